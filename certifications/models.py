"""Models for certifications (arrive with its issue)."""
