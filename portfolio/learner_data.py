"""What of the portfolio is a learner's own (exported, deleted with the account), what not."""

from accounts.ownership import OwnedTable

OWNED: tuple[OwnedTable, ...] = (
    OwnedTable("projects", "portfolio.Project", "learner", "Portfolio projects."),
    OwnedTable(
        "project_milestones",
        "portfolio.Project_milestones",
        "project__learner",
        "Which milestones each project completes.",
        labels=("milestone__title",),
    ),
    OwnedTable("project_links", "portfolio.ProjectLink", "project__learner", "Project links."),
    OwnedTable(
        "public_portfolio", "portfolio.PublicPortfolio", "learner", "The public portfolio page."
    ),
    OwnedTable("job_applications", "portfolio.JobApplication", "learner", "Job applications."),
    OwnedTable(
        "application_status_changes",
        "portfolio.ApplicationStatusChange",
        "application__learner",
        "Each application's status history.",
    ),
    OwnedTable(
        "application_contacts",
        "portfolio.ApplicationContact",
        "application__learner",
        "Contacts for applications.",
    ),
    OwnedTable("cv_checks", "portfolio.CVCheck", "learner", "CV checks and their results."),
    OwnedTable(
        "practice_answers",
        "portfolio.PracticeAnswer",
        "learner",
        "Interview practice answers.",
        labels=("question__slug", "question__text"),
    ),
)
NOT_OWNED: dict[str, str] = {
    "portfolio.QuestionCategory": "Interview question bank, curated by admins.",
    "portfolio.InterviewQuestion": "Interview question bank, curated by admins.",
}
