"""What of certifications is a learner's own (exported, deleted with the account), what not."""

from accounts.ownership import OwnedTable

OWNED: tuple[OwnedTable, ...] = (
    OwnedTable(
        "certifications",
        "certifications.LearnerCertification",
        "learner",
        "Certifications tracked, with status and dates.",
        labels=("certification__slug", "certification__name"),
    ),
    OwnedTable(
        "credit_activities",
        "certifications.CreditActivity",
        "learner_certification__learner",
        "Renewal credits logged.",
        labels=("category__name",),
    ),
    OwnedTable(
        "certification_renewals",
        "certifications.CertificationRenewal",
        "learner_certification__learner",
        "Renewals recorded: the expiry before and after, and the credits of the cycle closed.",
    ),
)
NOT_OWNED: dict[str, str] = {
    "certifications.Certification": "Certification catalogue.",
    "certifications.Certification_milestones": "Certification catalogue.",
    "certifications.RenewalCategory": "Certification catalogue.",
}
