"""Models for portfolio (arrive with its issue)."""
