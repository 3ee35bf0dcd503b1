"""Certifications: the curated catalogue and each learner's tracker (built in its own issue)."""
