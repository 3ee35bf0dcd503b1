"""Roadmap: career paths, steps, milestones, learner progress and reminders of progress."""
