"""Every write to the roadmap. Import from here: `from roadmap import services`."""
