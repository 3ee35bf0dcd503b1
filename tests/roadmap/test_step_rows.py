"""A step page's rows printed once per process (roadmap/templatetags/step_rows.py): the same
bytes as the row partial rendered afresh, for every status, target date against today, planned
week, kind of learner, tools and language; the request's own CSRF field; DEBUG renders afresh."""

import datetime as dt
import itertools
import re

import jinja2
import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from roadmap.models import MilestoneProgress, ProgressStatus
from roadmap.presenters import browsing as browsing_pages
from roadmap.templatetags import roadmap_dashboard, step_rows
from tests.roadmap.factories import build_roadmap, path_milestones

pytestmark = pytest.mark.django_db

ICONS = "/static/img/icons.svg"
CSRF = mark_safe('<input type="hidden" name="csrfmiddlewaretoken" value="token-of-this-request">')
TOOLS = [
    {"kind": "interview", "target": "technical", "name": "Technical <delivery>"},
    {"kind": "application-board"},
]
# Target dates against today: none, past, today, within the week, later.
TARGET_DAYS = [None, -3, 0, 2, 30]


def _fresh_row(state, *, is_enrolled, today, next_, csrf=CSRF) -> str:
    context = {
        "state": state,
        "is_enrolled": is_enrolled,
        "today": today,
        "next": next_,
        "icons": ICONS,
        "csrf_input": csrf,
    }
    return render_to_string("roadmap/partials/milestone_row.html", context, using="jinja2")


def _rows(milestones, step, *, learner_signed_in, statuses, target_days, plan_week, today):
    rows = {}
    for milestone, status, days in zip(milestones, statuses, target_days, strict=False):
        rows[milestone.pk] = MilestoneProgress(
            milestone=milestone,
            status=status,
            target_date=None if days is None else today + dt.timedelta(days=days),
            plan_week=plan_week,
        )
    learner = _SignedIn() if learner_signed_in else None
    return browsing_pages.step_progress(
        learner=learner, step=step, milestones=milestones, rows=rows
    ).milestones


class _SignedIn:
    is_authenticated = True


@pytest.fixture
def step_milestones():
    path = build_roadmap(steps=1, milestones_per_step=3)
    milestones = path_milestones(path)
    step = milestones[0].step
    step.path = path
    milestones[0].actions = TOOLS
    milestones[1].title = 'Ship <b>"it"</b> & <!--csrf_input-->'
    return step, milestones


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("is_enrolled", [True, False], ids=["enrolled", "not-enrolled"])
def test_a_kept_row_is_the_partial_for_every_status_date_week_and_learner(
    step_milestones, is_enrolled, language
):
    step, milestones = step_milestones
    today = timezone.localdate()
    with translation.override(language):
        for status, days, plan_week in itertools.product(
            list(ProgressStatus), TARGET_DAYS, [None, today - dt.timedelta(days=today.weekday())]
        ):
            rows = _rows(
                milestones[:2],
                step,
                learner_signed_in=is_enrolled,
                statuses=[status, status],
                target_days=[days, days],
                plan_week=plan_week,
                today=today,
            )
            rows.append(
                _rows(
                    milestones,
                    step,
                    learner_signed_in=is_enrolled,
                    statuses=[],
                    target_days=[],
                    plan_week=None,
                    today=today,
                )[2]
            )  # a row without progress
            for state in rows:
                for attempt in range(2):  # rendered, then from the process's copy
                    kept = step_rows.milestone_row(
                        state, is_enrolled, today, "/now?x=1", ICONS, CSRF
                    )
                    fresh = _fresh_row(
                        state, is_enrolled=is_enrolled, today=today, next_="/now?x=1"
                    )
                    assert kept == fresh, (status, days, plan_week, attempt)


def test_each_request_gets_its_own_csrf_field_and_a_row_without_a_form_asks_for_none(
    step_milestones,
):
    step, milestones = step_milestones
    today = timezone.localdate()
    enrolled = _rows(
        milestones,
        step,
        learner_signed_in=True,
        statuses=[],
        target_days=[],
        plan_week=None,
        today=today,
    )
    other = mark_safe('<input type="hidden" name="csrfmiddlewaretoken" value="another-one">')
    first = step_rows.milestone_row(enrolled[1], True, today, "", ICONS, CSRF)
    second = step_rows.milestone_row(enrolled[1], True, today, "", ICONS, other)
    assert "token-of-this-request" in first and "another-one" not in first
    assert second == first.replace("token-of-this-request", "another-one")

    class NotAskedFor:
        def __str__(self):
            raise AssertionError("the row asked for the CSRF token without a form to print it")

    visitor = _rows(
        milestones,
        step,
        learner_signed_in=False,
        statuses=[],
        target_days=[],
        plan_week=None,
        today=today,
    )
    for _ in range(2):
        assert 'name="csrfmiddlewaretoken"' not in step_rows.milestone_row(
            visitor[1], False, today, "", ICONS, NotAskedFor()
        )


@pytest.mark.parametrize(
    "reads",
    [
        "state.milestone.slug",
        "state.progress.notes",
        "state.status_label",
        "state.target_date.year",
    ],
)
def test_a_row_that_reads_more_than_its_key_fails(step_milestones, reads):
    # The stand-in raises on a field its key lacks, rather than letting a row print what
    # another row with the same key showed.
    step, milestones = step_milestones
    today = timezone.localdate()
    state = _rows(
        milestones,
        step,
        learner_signed_in=True,
        statuses=["in_progress"],
        target_days=[2],
        plan_week=today,
        today=today,
    )[0]
    step_rows._held_rows.clear()
    step_rows.milestone_row(state, True, today, "", ICONS, CSRF)
    ((key, _parts),) = step_rows._held_rows.items()
    if reads == "state.target_date.year":  # a date is a plain value: reading it is fine
        step_rows._row_parts(key, engines["jinja2"].from_string("{{ " + reads + " }}"))
        return
    with pytest.raises(roadmap_dashboard.PartialReadsMore):
        step_rows._row_parts(key, engines["jinja2"].from_string("{{ " + reads + " }}"))


@override_settings(DEBUG=True)
def test_debug_renders_each_row_afresh(step_milestones):
    step, milestones = step_milestones
    today = timezone.localdate()
    state = _rows(
        milestones,
        step,
        learner_signed_in=True,
        statuses=[],
        target_days=[],
        plan_week=None,
        today=today,
    )[0]
    step_rows._held_rows.clear()
    kept = step_rows.milestone_row(state, True, today, "", ICONS, CSRF)
    assert kept == _fresh_row(state, is_enrolled=True, today=today, next_="")
    assert step_rows._held_rows == {}


def test_a_changed_title_shows_at_once(step_milestones):
    step, milestones = step_milestones
    today = timezone.localdate()

    def row():
        state = _rows(
            milestones,
            step,
            learner_signed_in=True,
            statuses=[],
            target_days=[],
            plan_week=None,
            today=today,
        )[2]
        return step_rows.milestone_row(state, True, today, "", ICONS, CSRF)

    before = row()
    milestones[2].title = "Renamed"
    assert "Renamed" in row() and "Renamed" not in before


@pytest.mark.parametrize("field", ["today", "next", "icons", "language"])
def test_each_part_of_the_page_the_row_prints_is_in_its_key(step_milestones, field):
    step, milestones = step_milestones
    today = timezone.localdate()
    state = _rows(
        milestones,
        step,
        learner_signed_in=True,
        statuses=["in_progress"],
        target_days=[1],
        plan_week=today,
        today=today,
    )[0]
    values = {"today": today, "next": "/a", "icons": ICONS, "language": "en"}
    changed = {
        "today": today + dt.timedelta(days=3),
        "next": "/b",
        "icons": "/static/img/other.svg",
        "language": "de",
    }
    for given in (values, {**values, field: changed[field]}):
        with translation.override(given["language"]):
            kept = step_rows.milestone_row(
                state, True, given["today"], given["next"], given["icons"], CSRF
            )
            context = {
                "state": state,
                "is_enrolled": True,
                "today": given["today"],
                "next": given["next"],
                "icons": given["icons"],
                "csrf_input": CSRF,
            }
            fresh = render_to_string("roadmap/partials/milestone_row.html", context, using="jinja2")
            assert kept == fresh


@pytest.mark.parametrize("who", ["enrolled", "visitor"])
def test_the_step_page_is_the_same_bytes_with_rows_kept_or_rendered_afresh(client, who):
    # given: a learner with every status and target date on a step (or a visitor), and rows
    # already kept from an earlier view
    from tests.roadmap.factories import MilestoneProgressFactory, enrolled_learner
    from tests.roadmap.markup import TOKEN

    today = timezone.localdate()
    path = build_roadmap(steps=1, milestones_per_step=8)
    milestones = path_milestones(path)
    if who == "enrolled":
        learner = enrolled_learner(path)
        for i, milestone in enumerate(milestones):
            MilestoneProgressFactory(
                learner=learner,
                milestone=milestone,
                status=list(ProgressStatus)[i % 4],
                target_date=today + dt.timedelta(days=(i % 5) - 2),
            )
        client.force_login(learner)
    address = milestones[0].step.get_absolute_url()
    client.get(address)

    # when: drawn from the kept rows, then with DEBUG (every row rendered afresh)
    kept = client.get(address).content.decode()
    with override_settings(DEBUG=True):
        fresh = client.get(address).content.decode()

    # then: the same bytes but for the request's CSRF token
    assert kept.count("milestone-row status-") == 8

    def tokens_out(html):
        return re.sub(r'"X-CSRFToken": "[^"]+"', "token", TOKEN.sub("token", html))

    assert tokens_out(kept) == tokens_out(fresh)


# --- The answer of a status change sent from a row ------------------------------------------------


def _fresh_swap(state, step_progress, *, today, next_, confirmation, csrf=CSRF) -> str:
    context = {
        "state": state,
        "step_progress": step_progress,
        "is_enrolled": True,
        "today": today,
        "next": next_,
        "confirmation": confirmation,
        "csrf_input": csrf,
    }
    return render_to_string("roadmap/partials/milestone_row_swap.html", context, using="jinja2")


def _changed(milestones, step, statuses, *, changed=0, today=None, plan_week=None):
    """changed_step_row's row and progress for milestone `changed`, the rows in `statuses`."""
    rows = {
        milestone.pk: MilestoneProgress(
            milestone=milestone,
            status=status,
            target_date=None if today is None else today + dt.timedelta(days=2),
            plan_week=plan_week,
        )
        for milestone, status in zip(milestones, statuses, strict=True)
        if status is not None
    }
    return browsing_pages.changed_step_row(
        learner=_SignedIn(), step=step, milestone=milestones[changed], rows=rows
    )


@pytest.fixture
def swap_step():
    path = build_roadmap(steps=1, milestones_per_step=4)
    milestones = path_milestones(path)
    step = milestones[0].step
    step.title = 'Step <i>"one"</i> & more'
    milestones[0].actions = TOOLS
    milestones[1].title = 'Ship <b>"it"</b> & <!--csrf_input-->'
    return step, milestones


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_kept_answer_is_the_swap_template_for_every_status_and_count(swap_step, language):
    # given: the step's four rows in every mix of statuses (no row yet, too: counts of 0 to 4
    # done, skipped or in progress), the changed row the first (with tools) or the second (its
    # title with markup), with a planned week or none, and a confirmation with markup
    step, milestones = swap_step
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    with translation.override(language):
        for n, row_statuses in enumerate(itertools.product([None, *ProgressStatus], repeat=4)):
            for index in (0, 1):
                plan_week = monday if (n + index) % 2 else None
                state, step_progress = _changed(
                    milestones, step, row_statuses, changed=index, today=today, plan_week=plan_week
                )
                confirmation = f"“{state.milestone.title}” is done. Well done!"
                fresh = _fresh_swap(
                    state, step_progress, today=today, next_="/now?x=1", confirmation=confirmation
                )
                for attempt in range(2):  # rendered, then from the process's copy
                    kept = step_rows.milestone_row_swap(
                        state=state,
                        step_progress=step_progress,
                        today=today,
                        next="/now?x=1",
                        confirmation=confirmation,
                        csrf_input=CSRF,
                    )
                    assert kept == fresh, (row_statuses, plan_week, index, attempt)


def test_the_answers_counts_and_words_cover_each_case(swap_step):
    # The comparison above meets the bar's plural forms and its optional parts.
    step, milestones = swap_step
    texts = set()
    for statuses in itertools.product([None, *ProgressStatus], repeat=4):
        state, step_progress = _changed(milestones, step, list(statuses))
        texts.add(
            re.search(
                r'class="progress-text">([^<]*)<',
                str(
                    step_rows.milestone_row_swap(
                        state=state,
                        step_progress=step_progress,
                        today=timezone.localdate(),
                        next="",
                        confirmation="",
                        csrf_input=CSRF,
                    )
                ),
            ).group(1)
        )
    assert "0% · 0 of 4 done" in texts
    assert "100% · 2 of 4 done, 2 skipped" in texts
    assert "33% · 1 of 4 done, 1 skipped, 2 in progress" in texts
    assert "0% · 0 of 4 done, 1 in progress" in texts


@pytest.mark.parametrize(
    "field", ["confirmation", "step title", "counts", "next", "today", "language", "row status"]
)
def test_each_part_of_the_answer_is_in_its_key(swap_step, field):
    step, milestones = swap_step
    today = timezone.localdate()
    given = {
        "confirmation": "“A” is done.",
        "title": step.title,
        "statuses": ["in_progress", "done", None, "skipped"],  # a target date shows
        "next": "/a",
        "today": today,
        "language": "en",
    }
    changes = {
        "confirmation": {"confirmation": "“A” is skipped."},
        "step title": {"title": "Another step"},
        "counts": {"statuses": ["in_progress", "done", "done", "skipped"]},
        "next": {"next": "/b"},
        "today": {"today": today + dt.timedelta(days=3)},
        "language": {"language": "de"},
        "row status": {"statuses": ["not_started", "done", None, "skipped"]},
    }
    answers = []
    for values in (given, {**given, **changes[field]}):
        step.title = values["title"]
        state, step_progress = _changed(milestones, step, values["statuses"], today=today)
        with translation.override(values["language"]):
            kept = step_rows.milestone_row_swap(
                state=state,
                step_progress=step_progress,
                today=values["today"],
                next=values["next"],
                confirmation=values["confirmation"],
                csrf_input=CSRF,
            )
            fresh = _fresh_swap(
                state,
                step_progress,
                today=values["today"],
                next_=values["next"],
                confirmation=values["confirmation"],
            )
        assert kept == fresh
        answers.append(kept)
    assert answers[0] != answers[1]


def test_each_answer_gets_its_requests_csrf_field(swap_step):
    step, milestones = swap_step
    state, step_progress = _changed(milestones, step, ["done", None, None, None])
    other = mark_safe('<input type="hidden" name="csrfmiddlewaretoken" value="another-one">')

    def answer(csrf):
        return step_rows.milestone_row_swap(
            state=state,
            step_progress=step_progress,
            today=timezone.localdate(),
            next="",
            confirmation="Done.",
            csrf_input=csrf,
        )

    first, second = answer(CSRF), answer(other)
    assert "token-of-this-request" in first and "another-one" not in first
    assert second == first.replace("token-of-this-request", "another-one")


@pytest.mark.parametrize("reads", ["step_progress.step.slug", "step_progress.milestones"])
def test_an_answer_that_reads_more_than_its_key_fails(swap_step, reads):
    step, milestones = swap_step
    state, step_progress = _changed(milestones, step, ["done", None, None, None])
    step_rows._held_swaps.clear()
    step_rows.milestone_row_swap(
        state=state,
        step_progress=step_progress,
        today=timezone.localdate(),
        next="",
        confirmation="Done.",
        csrf_input=CSRF,
    )
    ((key, _parts),) = step_rows._held_swaps.items()
    with pytest.raises(roadmap_dashboard.PartialReadsMore):
        step_rows._swap_parts(key, engines["jinja2"].from_string("{{ " + reads + " }}"))


@override_settings(DEBUG=True)
def test_debug_renders_each_answer_afresh(swap_step):
    step, milestones = swap_step
    state, step_progress = _changed(milestones, step, ["in_progress", "done", None, None])
    step_rows._held_swaps.clear()
    today = timezone.localdate()
    kept = step_rows.milestone_row_swap(
        state=state,
        step_progress=step_progress,
        today=today,
        next="",
        confirmation="Done.",
        csrf_input=CSRF,
    )
    assert kept == _fresh_swap(state, step_progress, today=today, next_="", confirmation="Done.")
    assert step_rows._held_swaps == {}


# --- The step page's progress bar -----------------------------------------------------------------


def _fresh_bar(progress, oob) -> str:
    context = {"progress": progress, "oob": oob}
    return render_to_string("roadmap/partials/step_progress.html", context, using="jinja2")


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_kept_bar_is_the_partial_for_every_count(swap_step, language):
    # given: the step's four rows in every mix of statuses (no row yet, too), its title with
    # markup, the bar in and out of band
    step, milestones = swap_step
    with translation.override(language):
        for statuses in itertools.product([None, *ProgressStatus], repeat=4):
            _state, progress = _changed(milestones, step, list(statuses))
            for oob in (False, True):
                fresh = _fresh_bar(progress, oob)
                for attempt in range(2):  # rendered, then from the process's copy
                    kept = step_rows.step_progress_bar(progress, oob)
                    assert kept == fresh, (statuses, oob, attempt)


@pytest.mark.parametrize("field", ["step", "step title", "counts", "oob", "language"])
def test_each_part_of_the_bar_is_in_its_key(swap_step, field):
    step, milestones = swap_step
    other_step = build_roadmap(steps=1, milestones_per_step=4)
    other_milestones = path_milestones(other_step)
    given = {
        "step": (step, milestones),
        "title": step.title,
        "statuses": ["done", None, None, None],
    }
    given |= {"oob": False, "language": "en"}
    changes = {
        "step": {"step": (other_milestones[0].step, other_milestones)},
        "step title": {"title": "Another step"},
        "counts": {"statuses": ["done", "done", None, None]},
        "oob": {"oob": True},
        "language": {"language": "de"},
    }
    bars = []
    step_rows._held_bars.clear()
    for values in (given, {**given, **changes[field]}):
        the_step, its_milestones = values["step"]
        title = the_step.title
        if field == "step title":
            the_step.title = values["title"]
        _state, progress = _changed(its_milestones, the_step, values["statuses"])
        with translation.override(values["language"]):
            kept = step_rows.step_progress_bar(progress, values["oob"])
            assert kept == _fresh_bar(progress, values["oob"])
        bars.append(kept)
        the_step.title = title
    assert len(step_rows._held_bars) == 2  # two keys
    if field != "language":  # the bar's words have no German yet
        assert bars[0] != bars[1]


@pytest.mark.parametrize("reads", ["progress.step.slug", "progress.milestones", "today"])
def test_a_bar_that_reads_more_than_its_key_fails(swap_step, reads):
    step, milestones = swap_step
    _state, progress = _changed(milestones, step, ["done", None, None, None])
    step_rows._held_bars.clear()
    step_rows.step_progress_bar(progress, False)
    ((key, _parts),) = step_rows._held_bars.items()
    with pytest.raises((roadmap_dashboard.PartialReadsMore, jinja2.UndefinedError)):
        step_rows._bar_parts(key, engines["jinja2"].from_string("{{ " + reads + " }}"))


@override_settings(DEBUG=True)
def test_debug_renders_each_bar_afresh(swap_step):
    step, milestones = swap_step
    _state, progress = _changed(milestones, step, ["in_progress", "done", None, None])
    step_rows._held_bars.clear()
    assert step_rows.step_progress_bar(progress, True) == _fresh_bar(progress, True)
    assert step_rows._held_bars == {}


@pytest.mark.parametrize("who", ["enrolled", "visitor"])
def test_the_step_page_prints_the_bar_the_former_include_printed(client, who):
    """The step page with its kept bar is the page its template printed with the former
    `{% include "roadmap/partials/step_progress.html" %}`, byte for byte but for the token."""
    from django.conf import settings

    from tests.roadmap.factories import MilestoneProgressFactory, enrolled_learner
    from tests.roadmap.markup import TOKEN

    path = build_roadmap(steps=1, milestones_per_step=4)
    milestones = path_milestones(path)
    milestones[0].step.title = 'Step <i>"one"</i> & more'
    milestones[0].step.save()
    if who == "enrolled":
        learner = enrolled_learner(path)
        for milestone, status in zip(milestones, ["done", "skipped", "in_progress"], strict=False):
            MilestoneProgressFactory(learner=learner, milestone=milestone, status=status)
        client.force_login(learner)
    source = (settings.BASE_DIR / "templates/jinja2/roadmap/step_detail.html").read_text()
    bar = "{{ step_progress_bar(page.progress, False) }}"
    assert source.count(bar) == 1
    former = engines["jinja2"].from_string(
        source.replace(
            bar,
            '{% with progress=page.progress, oob=False %}{% include "roadmap/partials/'
            'step_progress.html" %}{% endwith %}',
        )
    )

    step = milestones[0].step
    response = client.get(step.get_absolute_url())
    request = response.wsgi_request
    page = browsing_pages.step_page(
        path_slug=path.slug,
        step_slug=step.slug,
        learner=request.user if who == "enrolled" else None,
        today=timezone.localdate(),
    )
    printed = former.render({"page": page}, request)

    def tokens_out(html):
        return re.sub(r'"X-CSRFToken": "[^"]+"', "token", TOKEN.sub("token", html))

    assert tokens_out(response.content.decode()) == tokens_out(printed)
    assert ("% · 1 of 4 done, 1 skipped, 1 in progress" in printed) == (who == "enrolled")


# The step page's former loop over its rows, kept as the reference for step_rows.milestone_rows.
FORMER_ROWS_LOOP = """<ol class="milestone-list">
  {% for state in states %}
    {{ milestone_row(state, is_enrolled, today, next, icons, csrf_input) }}
  {% else %}
  <li>{{ _("This step has no milestones yet.") }}</li>
  {% endfor %}
</ol>"""
ROWS_NOW = """<ol class="milestone-list">
  {% if states %}{{ milestone_rows(states, is_enrolled, today, next, icons, csrf_input) }}{% else %}
  <li>{{ _("This step has no milestones yet.") }}</li>
  {% endif %}
</ol>"""  # noqa: E501


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("is_enrolled", [True, False], ids=["enrolled", "not-enrolled"])
def test_the_rows_print_what_the_step_pages_former_loop_printed(
    settings, step_milestones, is_enrolled, debug
):
    # given: a step's rows in every status (tools, a title that needs escaping and looks like
    # the CSRF marker), none at all, in two languages
    settings.DEBUG = debug
    step, milestones = step_milestones
    today = timezone.localdate()
    former, now = (engines["jinja2"].from_string(s) for s in (FORMER_ROWS_LOOP, ROWS_NOW))
    for language, statuses in itertools.product(
        ["en", "de"], [[], *([status] * 3 for status in ProgressStatus)]
    ):
        states = _rows(
            milestones,
            step,
            learner_signed_in=is_enrolled,
            statuses=statuses,
            target_days=[None, -3, 2],
            plan_week=None,
            today=today,
        )
        for shown in (states, []):
            context = {
                "states": shown,
                "is_enrolled": is_enrolled,
                "today": today,
                "next": "/now?x=1",
                "icons": ICONS,
                "csrf_input": CSRF,
            }
            with translation.override(language):
                # when / then: the same bytes, rendered and then from the process's copies
                expected = former.render(context)
                assert now.render(context) == expected
                assert now.render(context) == expected
            if shown and is_enrolled:
                assert expected.count("token-of-this-request") == len(shown)
