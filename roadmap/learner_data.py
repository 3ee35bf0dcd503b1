"""What of the roadmap is a learner's own (exported, deleted with the account), what not."""

from accounts.ownership import OwnedTable

OWNED: tuple[OwnedTable, ...] = (
    OwnedTable(
        "enrollments",
        "roadmap.Enrollment",
        "learner",
        "Career paths joined.",
        labels=("path__slug", "path__title"),
    ),
    OwnedTable(
        "milestone_progress",
        "roadmap.MilestoneProgress",
        "learner",
        "Status, dates and private notes per milestone.",
        labels=("milestone__slug", "milestone__title", "milestone__step__path__slug"),
    ),
    OwnedTable(
        "evidence_links",
        "roadmap.EvidenceLink",
        "progress__learner",
        "Evidence links on milestones.",
        labels=("progress__milestone__title",),
    ),
    OwnedTable(
        "progress_events",
        "roadmap.ProgressEvent",
        "learner",
        "The history of every progress change.",
        labels=("milestone__title",),
    ),
    OwnedTable(
        "learner_plan",
        "roadmap.LearnerPlan",
        "learner",
        "The personal plan: hours a week, study days, finish-by date, weekly goal. Each "
        "milestone's planned weeks are in milestone_progress (plan_week, plan_hours).",
    ),
    OwnedTable(
        "plan_revisions",
        "roadmap.PlanRevision",
        "learner",
        "The plan as it was before each re-plan or change of settings.",
    ),
)
NOT_OWNED: dict[str, str] = {
    "roadmap.CareerPath": "Roadmap catalogue, curated by admins.",
    "roadmap.Step": "Roadmap catalogue.",
    "roadmap.Milestone": "Roadmap catalogue.",
    "roadmap.Course": "Course catalogue.",
    "roadmap.Course_steps": "Course catalogue.",
    "roadmap.MilestoneResource": "Roadmap catalogue.",
    "roadmap.ContentVersion": "The catalogue's version token, changed by database triggers.",
}
