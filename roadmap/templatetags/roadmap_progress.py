"""Template filters for the roadmap pages: date-relative questions a template cannot ask."""

import datetime as dt

from django import template

from roadmap.selectors.progress import MilestoneState

register = template.Library()


@register.filter
def overdue_on(state: MilestoneState, today: dt.date) -> bool:
    return state.is_overdue(today)


@register.filter
def due_soon_on(state: MilestoneState, today: dt.date) -> bool:
    return state.is_due_soon(today)


@register.filter
def days_until(day: dt.date | None, today: dt.date) -> int | None:
    return (day - today).days if day else None


@register.filter
def absolute(number: int) -> int:
    return abs(number)
