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
)
NOT_OWNED: dict[str, str] = {
    "roadmap.CareerPath": "Roadmap catalogue, curated by admins.",
    "roadmap.Step": "Roadmap catalogue.",
    "roadmap.Milestone": "Roadmap catalogue.",
    "roadmap.Course": "Course catalogue.",
    "roadmap.Course_steps": "Course catalogue.",
    "roadmap.MilestoneResource": "Roadmap catalogue.",
}
