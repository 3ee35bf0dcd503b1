"""The JSON API under /api/v1/: the learner's paths, milestones, certifications, applications."""
