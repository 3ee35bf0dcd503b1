"""A step page's milestone rows (partials/milestone_row.html), each rendered once per process for
exactly what it prints rather than once per row per page: the row template is about a quarter of
a step page's CPU, and a row is one of a few (its milestone, status, target date against today,
planned week, tools, buttons) for everyone on the step. The status change sent by htmx answers
with the same row, its step's progress bar and its confirmation (partials/milestone_row_swap.html),
kept the same way, and so is the step's progress bar (partials/step_progress.html)."""

import datetime as dt

from django.conf import settings
from django.template import engines
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from core.jinja2 import cached_static
from roadmap.presenters.browsing import StepMilestone
from roadmap.selectors.progress import StepProgress
from roadmap.templatetags.roadmap_dashboard import BadgeKey

MILESTONE_ROW = "roadmap/partials/milestone_row.html"
MILESTONE_ROW_SWAP = "roadmap/partials/milestone_row_swap.html"
STEP_PROGRESS = "roadmap/partials/step_progress.html"
# What the row is rendered with in place of the CSRF field, which is the request's own: the
# kept row is cut at it and the request's field put in. Every value the row prints is escaped
# (a title's "<" prints as "&lt;"), so the marker can come only from the template's own field.
CSRF_MARKER = "<!--csrf_input-->"
_ROWS_LIMIT = 4096
_held_rows: dict[tuple, tuple[str, ...]] = {}


def milestone_row(
    state: StepMilestone,
    is_enrolled: bool,
    today: dt.date,
    next: str,
    icons: str,
    csrf_input,
) -> SafeString:
    """What {% include "roadmap/partials/milestone_row.html" %} prints for `state`, with the
    request's CSRF field. The key is everything the row prints; the row is rendered from a
    stand-in (BadgeKey) holding only that, so a row template that comes to read more fails
    every page test instead of printing from the cache what another row showed. With DEBUG
    on, each row is rendered afresh. tests/roadmap/test_step_rows.py holds the rule."""
    if settings.DEBUG:
        context = {
            "state": state,
            "is_enrolled": is_enrolled,
            "today": today,
            "next": next,
            "icons": icons,
            "csrf_input": csrf_input,
        }
        return mark_safe(engines["jinja2"].get_template(MILESTONE_ROW).render(context))
    key = _row_key(state, is_enrolled, today, next, icons)
    parts = _held(_held_rows, _ROWS_LIMIT, key, _row_parts)
    if len(parts) == 1:  # no form: the request's CSRF token is not asked for
        return mark_safe(parts[0])
    return mark_safe(str(csrf_input).join(parts))


# What the step page's former loop printed around each row: its indentation.
_ROW_BEFORE, _ROW_AFTER = "\n    ", "\n  "


def milestone_rows(
    states: list[StepMilestone],
    is_enrolled: bool,
    today: dt.date,
    next: str,
    icons: str,
    csrf_input,
) -> SafeString:
    """The step page's rows, each milestone_row() placed as the page's former loop placed it:
    one call from the template for the step, where the loop sent each row through Jinja2's
    Context.call, finalize and escape, and looked the language up again a row.
    tests/roadmap/test_step_rows.py keeps the loop and compares."""
    if settings.DEBUG:
        rows = [milestone_row(s, is_enrolled, today, next, icons, csrf_input) for s in states]
    else:
        language = get_language()
        rows = []
        csrf = None
        for state in states:
            key = _row_key(state, is_enrolled, today, next, icons, language)
            parts = _held(_held_rows, _ROWS_LIMIT, key, _row_parts)
            if len(parts) == 1:  # no form: the request's CSRF token is not asked for
                rows.append(parts[0])
            else:
                if csrf is None:
                    csrf = str(csrf_input)
                rows.append(csrf.join(parts))
    return mark_safe("".join([_ROW_BEFORE + row + _ROW_AFTER for row in rows]))


def _held(store: dict, limit: int, key: tuple, make) -> tuple[str, ...]:
    """store[key], made by make(key) on a miss. The store empties itself at `limit` entries:
    keys hold what the request sent (`next`), so anyone can make new ones."""
    parts = store.get(key)
    if parts is None:
        parts = make(key)
        if len(store) >= limit:
            store.clear()
        store[key] = parts
    return parts


def _row_key(
    state: StepMilestone,
    is_enrolled: bool,
    today: dt.date,
    next: str,
    icons,
    language: str | None = None,
) -> tuple:
    """Everything the row prints (and _row_stand_in holds). `language`: the active one, if the
    caller has it already."""
    milestone = state.milestone
    progress = state.progress
    shows_plan_week = progress is not None and bool(progress.plan_week) and not state.is_finished
    return (
        milestone.pk,
        milestone.title,
        milestone.kind,
        state.status,
        # the row tests `state.progress` only to read the planned week
        progress is not None,
        progress.plan_week if shows_plan_week else None,
        state.target_date,
        state.is_finished,
        state.url,
        state.status_url,
        state.kind_text,
        state.effort_text,
        state.buttons,
        state.actions,
        bool(is_enrolled),
        today,
        next,
        str(icons),
        language or get_language(),
    )


def _row_parts(key: tuple, template=None) -> tuple[str, ...]:
    """The row for `key`, cut at the CSRF field. `template`: the row's, unless a test gives
    another."""
    if template is None:
        template = engines["jinja2"].get_template(MILESTONE_ROW)
    html = template.render(_row_stand_in(key))
    return tuple(html.split(CSRF_MARKER))


def _row_stand_in(key: tuple) -> dict:
    """The context a row is rendered from for `key` (a _row_key), the CSRF field a marker."""
    (
        pk,
        title,
        kind,
        status,
        has_progress,
        plan_week,
        target_date,
        is_finished,
        url,
        status_url,
        kind_text,
        effort_text,
        buttons,
        actions,
        is_enrolled,
        today,
        next,
        icons,
        _language,
    ) = key
    variable = "state"
    state = BadgeKey(
        MILESTONE_ROW,
        variable,
        milestone=BadgeKey(MILESTONE_ROW, "state.milestone", pk=pk, title=title, kind=kind),
        progress=BadgeKey(MILESTONE_ROW, "state.progress", plan_week=plan_week)
        if has_progress
        else None,
        status=status,
        target_date=target_date,
        is_finished=is_finished,
        url=url,
        status_url=status_url,
        kind_text=kind_text,
        effort_text=effort_text,
        buttons=buttons,
        actions=actions,
    )
    context = {
        "state": state,
        "is_enrolled": is_enrolled,
        "today": today,
        "next": next,
        "icons": icons,
        "csrf_input": mark_safe(CSRF_MARKER),
    }
    return context


# --- The row a status change answers with --------------------------------------------------------
#
# A status change sent by htmx from a step page's row answers with milestone_row_swap.html: the
# row, the step's progress bar out of band and the confirmation. Rendering that template was
# most of the answer's own CPU (a Jinja2 context, the include, the bar's translations); what it
# prints is the row's key, the bar's figures and the confirmation, so it too is rendered once per
# process for those, from stand-ins that raise on anything else, and the request's CSRF field is
# put in. tests/roadmap/test_step_rows.py compares it with the template for every status, count
# and language; DEBUG renders the template every time.

_SWAPS_LIMIT = 4096
_held_swaps: dict[tuple, tuple[str, ...]] = {}


def milestone_row_swap(
    *,
    state: StepMilestone,
    step_progress: StepProgress,
    today: dt.date,
    next: str,
    confirmation: str,
    csrf_input,
) -> SafeString:
    """What milestone_row_swap.html prints for an enrolled learner's changed row `state`, its
    step's progress `step_progress` and the `confirmation`, with the request's CSRF field."""
    if settings.DEBUG:
        context = {
            "state": state,
            "step_progress": step_progress,
            "is_enrolled": True,
            "today": today,
            "next": next,
            "confirmation": confirmation,
            "csrf_input": csrf_input,
        }
        return mark_safe(engines["jinja2"].get_template(MILESTONE_ROW_SWAP).render(context))
    step = step_progress.step
    key = (
        _row_key(state, True, today, next, cached_static("img/icons.svg")),
        step.pk,
        step.title,
        step_progress.percent,
        step_progress.done,
        step_progress.total,
        step_progress.skipped,
        step_progress.in_progress,
        confirmation,
    )
    parts = _held(_held_swaps, _SWAPS_LIMIT, key, _swap_parts)
    return mark_safe(str(csrf_input).join(parts))


def _swap_parts(key: tuple, template=None) -> tuple[str, ...]:
    """The answer for `key`, cut at the CSRF field. `template`: the swap's, unless a test gives
    another."""
    row_key, *bar, confirmation = key
    progress = _bar_stand_in(*bar)
    context = {**_row_stand_in(row_key), "step_progress": progress, "confirmation": confirmation}
    if template is None:
        template = engines["jinja2"].get_template(MILESTONE_ROW_SWAP)
    return tuple(template.render(context).split(CSRF_MARKER))


# --- A step page's progress bar -------------------------------------------------------------------
#
# The bar (partials/step_progress.html) prints the step's id and title and its counts, one of a
# few for everyone on the step, yet an include of it was about a sixth of the step page's
# template work (a Jinja2 context, three translations with variables, the counts read again and
# again). It is kept once per process for what it prints, rendered from a stand-in that raises on
# anything else; DEBUG renders the partial every time. tests/roadmap/test_step_rows.py compares
# it with the partial for every count, in two languages, in and out of band.

_BARS_LIMIT = 4096
_held_bars: dict[tuple, tuple[str, ...]] = {}


def step_progress_bar(progress: StepProgress, oob: bool) -> SafeString:
    """What {% include "roadmap/partials/step_progress.html" %} prints for `progress` (`oob`:
    sent out of band, with a status change's answer)."""
    if settings.DEBUG:
        template = engines["jinja2"].get_template(STEP_PROGRESS)
        return mark_safe(template.render({"progress": progress, "oob": oob}))
    step = progress.step
    key = (
        step.pk,
        step.title,
        progress.percent,
        progress.done,
        progress.total,
        progress.skipped,
        progress.in_progress,
        bool(oob),
        get_language(),
    )
    return mark_safe(_held(_held_bars, _BARS_LIMIT, key, _bar_parts)[0])


def _bar_stand_in(step_pk, step_title, percent, done, total, skipped, in_progress) -> BadgeKey:
    """The `progress` the bar is rendered from: the step's id and title and the counts only."""
    return BadgeKey(
        STEP_PROGRESS,
        "progress",
        step=BadgeKey(STEP_PROGRESS, "progress.step", pk=step_pk, title=step_title),
        percent=percent,
        done=done,
        total=total,
        skipped=skipped,
        in_progress=in_progress,
    )


def _bar_parts(key: tuple, template=None) -> tuple[str]:
    """The bar for `key` (a step_progress_bar key). `template`: the bar's, unless a test gives
    another."""
    *counts, oob, _language = key
    if template is None:
        template = engines["jinja2"].get_template(STEP_PROGRESS)
    return (template.render({"progress": _bar_stand_in(*counts), "oob": oob}),)
