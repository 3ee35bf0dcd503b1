"""What of curation is a learner's own (exported, deleted with the account), what not."""

from accounts.ownership import OwnedTable

OWNED: tuple[OwnedTable, ...] = ()
NOT_OWNED: dict[str, str] = {
    "curation.LinkCheck": "Health of the catalogue's links, for admins; names no learner.",
    "curation.CourseInsight": "A read-only view of the course catalogue (proxy, no table).",
    "curation.CertificationInsight": "A read-only view of the certification catalogue (proxy).",
    "curation.MilestoneInsight": "A read-only view of the roadmap catalogue (proxy, no table).",
    "curation.StepInsight": "A read-only view of the roadmap catalogue (proxy, no table).",
}
