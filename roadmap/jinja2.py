"""The roadmap's helpers for its Jinja2 pages (core/jinja2.py loads this module, as Django's
engine loads roadmap/templatetags/): the same functions, so both engines print the same."""

from django.template import defaultfilters

from roadmap.templatetags import roadmap_dashboard, roadmap_progress, step_rows

globals = {
    "status_badge": roadmap_dashboard.status_badge,
    "target_badge": roadmap_dashboard.target_badge,
    "heatmap_cells": roadmap_progress.heatmap_cells,
    "map_nodes": roadmap_dashboard.map_nodes,
    "map_steps": roadmap_dashboard.map_steps,
    "map_legend": roadmap_dashboard.map_legend,
    "milestone_row": step_rows.milestone_row,
    "milestone_rows": step_rows.milestone_rows,
    "step_progress_bar": step_rows.step_progress_bar,
    "heatmap_labels": roadmap_dashboard.heatmap_labels,
    "heatmap_head": roadmap_dashboard.heatmap_head,
    "heatmap_legend": roadmap_dashboard.heatmap_legend,
    "heatmap_week_rows": roadmap_dashboard.heatmap_week_rows,
    "recent_changes": roadmap_dashboard.recent_changes,
    "next_up": roadmap_dashboard.next_up,
    "status_card_buttons": roadmap_dashboard.status_card_buttons,
    "target_date_lines": roadmap_dashboard.target_date_lines,
}

filters = {
    "status_buttons": roadmap_dashboard.status_buttons,
    "day_text": roadmap_dashboard.day_text,
    "overdue_on": roadmap_progress.overdue_on,
    "due_soon_on": roadmap_progress.due_soon_on,
    "days_until": roadmap_progress.days_until,
    "absolute": roadmap_progress.absolute,
    "course_level": roadmap_progress.course_level,
    "floatformat": defaultfilters.floatformat,
}
