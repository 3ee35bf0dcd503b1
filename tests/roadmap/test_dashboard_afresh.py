"""The dashboard rendered afresh (after every change of the learner's): the cheaper ways its parts
are now worked out give what the former ones gave, held here against those former loops, kept
as the reference."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from roadmap import planning
from roadmap.models import (
    CareerPath,
    GoalKind,
    Milestone,
    MilestoneProgress,
    ProgressEvent,
    ProgressEventKind,
    ProgressStatus,
    Step,
)
from roadmap.presenters import activity as activity_pages
from roadmap.presenters.dashboard import Dashboard, dashboard_figures, learner_dashboard
from roadmap.selectors.plan import PlanSettings, ThisWeek, this_week
from roadmap.selectors.progress import (
    LearnerOverview,
    MilestoneState,
    PathProgress,
    StepProgress,
    percent_complete,
)
from tests.roadmap.factories import (
    EnrollmentFactory,
    build_roadmap,
    enrolled_learner,
    path_milestones,
)

ZONES = [dt.UTC, dt.timezone(dt.timedelta(hours=14)), dt.timezone(dt.timedelta(hours=-11))]


def former_this_week(
    *, overview: LearnerOverview, settings: PlanSettings, zone: dt.tzinfo
) -> ThisWeek:
    """this_week() as it was: the plan's weeks built as lists (MilestoneProgress.plan_weeks)."""

    def done_in(state: MilestoneState, monday: dt.date) -> bool:
        progress = state.progress
        if progress is None or progress.completed_at is None or progress.prior_learning:
            return False
        return planning.week_start(progress.completed_at.astimezone(zone).date()) == monday

    monday = planning.week_start(overview.today)
    planned = [
        (state, hours)
        for state in overview.milestones
        if state.progress is not None and (not state.is_finished or done_in(state, monday))
        for week_start, hours in state.progress.plan_weeks
        if week_start == monday
    ]
    target = (
        settings.hours_per_week
        if settings.goal_kind == GoalKind.HOURS
        else settings.goal_milestones
    )
    per_week: dict[dt.date, list[MilestoneState]] = {}
    for state in overview.milestones:
        progress = state.progress
        if progress and progress.completed_at and not progress.prior_learning:
            day = planning.week_start(progress.completed_at.astimezone(zone).date())
            per_week.setdefault(day, []).append(state)
    history = []
    week = settings.since
    while week < monday:
        done = per_week.get(week, [])
        amount = (
            sum(s.milestone.effort_hours for s in done)
            if settings.goal_kind == GoalKind.HOURS
            else len(done)
        )
        history.append(planning.GoalWeek(week_start=week, met=amount >= target))
        week += dt.timedelta(days=7)
    behind = [
        s
        for s in overview.milestones
        if not s.is_finished
        and s.progress is not None
        and s.progress.plan_last_week is not None
        and s.progress.plan_last_week < monday
    ]
    return ThisWeek(
        monday=monday,
        planned=planned,
        done=per_week.get(monday, []),
        goal_kind=settings.goal_kind,
        goal_target=target,
        streak=planning.goal_streak(history),
        behind=behind,
        behind_since=min((s.progress.plan_last_week for s in behind), default=None),
    )


def random_overview(rng: random.Random, today: dt.date) -> LearnerOverview:
    """Milestones in memory with every kind of progress a plan meets: none, open, finished
    this week or earlier (or as prior learning), planned in past, this and later weeks, with
    plans that start off a Monday or have no hours."""
    monday = planning.week_start(today)
    path = CareerPath(title="Path", slug="path")
    steps = []
    for step_number in range(rng.randint(1, 4)):
        step = Step(path=path, title=f"Step {step_number}", slug=f"s{step_number}")
        states = []
        for _ in range(rng.randint(0, 12)):
            milestone = Milestone(step=step, title="M", effort_hours=rng.choice([1, 2, 5, 8]))
            progress = None
            if rng.random() < 0.85:
                status = rng.choice(list(ProgressStatus))
                completed = None
                if status in (ProgressStatus.DONE, ProgressStatus.SKIPPED) or rng.random() < 0.1:
                    completed = dt.datetime.combine(
                        today - dt.timedelta(days=rng.randint(0, 40)),
                        dt.time(rng.choice([0, 6, 12, 23]), 30),
                        tzinfo=dt.UTC,
                    )
                first = None
                if rng.random() < 0.8:
                    first = monday + dt.timedelta(
                        weeks=rng.randint(-6, 3), days=rng.choice([0, 0, 0, 2])
                    )
                progress = MilestoneProgress(
                    milestone=milestone,
                    status=status,
                    completed_at=completed,
                    prior_learning=rng.random() < 0.15,
                    plan_week=first,
                    plan_hours=[rng.choice([0.5, 1, 2, 3.5]) for _ in range(rng.randint(0, 4))],
                    target_date=rng.choice(
                        [None, None, *(today + dt.timedelta(days=d) for d in range(-9, 10))]
                    ),
                )
            states.append(MilestoneState(milestone=milestone, progress=progress))
        steps.append(StepProgress(step=step, milestones=states))
    return LearnerOverview(today=today, paths=[PathProgress(path=path, steps=steps)])


@pytest.mark.parametrize("seed", range(40))
def test_this_week_is_what_the_former_loops_gave(seed):
    # given: a random overview and plan settings, in a random zone
    rng = random.Random(seed)
    today = dt.date(2026, 3, 11) + dt.timedelta(days=rng.randint(0, 6))
    overview = random_overview(rng, today)
    settings = PlanSettings(
        hours_per_week=rng.choice([3, 6, 10]),
        weekdays=(0, 2, 4),
        goal_kind=rng.choice(list(GoalKind)),
        goal_milestones=rng.choice([1, 2, 3]),
        since=planning.week_start(today) - dt.timedelta(weeks=rng.randint(0, 8)),
    )
    zone = rng.choice(ZONES)

    # when
    week = this_week(overview=overview, settings=settings, zone=zone)

    # then: the same weeks, the same states in the same order, the same figures
    former = former_this_week(overview=overview, settings=settings, zone=zone)
    assert week == former
    assert [id(s) for s, _h in week.planned] == [id(s) for s, _h in former.planned]
    assert [type(h) for _s, h in week.planned] == [type(h) for _s, h in former.planned]
    assert [id(s) for s in week.behind] == [id(s) for s in former.behind]


def test_the_random_overviews_meet_every_case_this_week_tells_apart():
    # A reference comparison proves little if the cases it should tell apart never come up.
    seen = set()
    for seed in range(40):
        rng = random.Random(seed)
        today = dt.date(2026, 3, 11) + dt.timedelta(days=rng.randint(0, 6))
        overview = random_overview(rng, today)
        settings = PlanSettings(
            hours_per_week=6,
            weekdays=(0,),
            goal_kind=GoalKind.HOURS,
            goal_milestones=1,
            since=planning.week_start(today) - dt.timedelta(weeks=4),
        )
        week = this_week(overview=overview, settings=settings, zone=dt.UTC)
        seen.add(("planned open", any(not s.is_finished for s, _h in week.planned)))
        seen.add(("planned done", any(s.is_finished for s, _h in week.planned)))
        seen.add(("behind", bool(week.behind)))
        seen.add(("done this week", bool(week.done)))
    assert {k for k, v in seen if v} == {"planned open", "planned done", "behind", "done this week"}


@pytest.mark.parametrize("seed", range(40))
def test_the_dashboards_figures_are_the_overviews(seed):
    # given: a random overview with target dates passed, today, within a week and later
    rng = random.Random(seed)
    overview = random_overview(rng, dt.date(2026, 3, 11))

    # when
    figures = dashboard_figures(overview)

    # then: what the page printed from the overview's properties, the same states in order
    assert (figures.total, figures.done, figures.skipped, figures.percent) == (
        overview.total,
        overview.done,
        overview.skipped,
        overview.percent,
    )
    page = Dashboard(
        today=overview.today,
        overview=overview,
        heatmap=None,
        projection=None,
        next_actions=[],
        recent=[],
    )
    assert figures.in_progress == page.in_progress
    assert [id(s) for s in figures.overdue] == [id(s) for s in overview.overdue]
    assert [id(s) for s in figures.due_soon] == [id(s) for s in overview.due_soon]
    # each path's heading, as its PathProgress' properties gave it
    assert [tuple(p) for p in figures.paths] == [
        (p.done, p.total, p.percent) for p in overview.paths
    ]


@pytest.mark.parametrize("seed", range(40))
def test_a_steps_counts_are_its_milestones_statuses(seed):
    # given: a random overview (steps without milestones, milestones without a row, every status)
    rng = random.Random(seed)
    overview = random_overview(rng, dt.date(2026, 3, 11))

    for step in overview.paths[0].steps:
        # when
        counts = (step.total, step.done, step.skipped, step.in_progress, step.percent)

        # then: as the former Counter of each milestone's status gave them
        former = Counter(m.status for m in step.milestones)
        assert counts == (
            len(step.milestones),
            former[ProgressStatus.DONE],
            former[ProgressStatus.SKIPPED],
            former[ProgressStatus.IN_PROGRESS],
            percent_complete(
                total=len(step.milestones),
                done=former[ProgressStatus.DONE],
                skipped=former[ProgressStatus.SKIPPED],
            ),
        )


def test_the_random_overviews_have_overdue_and_due_soon_work_finished_or_not():
    overviews = [random_overview(random.Random(seed), dt.date(2026, 3, 11)) for seed in range(40)]
    assert any(o.overdue for o in overviews) and any(o.due_soon for o in overviews)
    # finished work with a past or near target date is in neither list
    assert any(
        m.is_finished and m.target_date and m.target_date <= o.today + dt.timedelta(days=7)
        for o in overviews
        for m in o.milestones
    )


@pytest.mark.django_db
def test_the_dashboards_links_are_the_milestones_own_addresses(client, settings):
    # given: two paths (one left), events on a milestone of each and on one retired since
    settings.DASHBOARD_CACHE_SECONDS = 0
    path = build_roadmap(steps=2, milestones_per_step=3)
    learner = enrolled_learner(path)
    other = build_roadmap(steps=1, milestones_per_step=2)
    left = EnrollmentFactory(learner=learner, path=other)
    shown = path_milestones(path)
    for offset, milestone in enumerate([shown[0], shown[4], path_milestones(other)[1]]):
        ProgressEvent.objects.create(
            learner=learner,
            milestone=milestone,
            kind=ProgressEventKind.STATUS,
            to_status=ProgressStatus.DONE,
            occurred_at=timezone.now() - dt.timedelta(minutes=offset),
        )
    left.delete()
    shown[4].retired_at = timezone.now()
    shown[4].save()

    # when
    data = learner_dashboard(learner=learner)

    # then: every milestone the page links, by its own get_absolute_url()
    linked = [s.milestone for s in data.overview.milestones]
    linked += [e.event.milestone for e in data.recent]
    assert len(data.recent) == 3
    assert data.links == {m.pk: m.get_absolute_url() for m in linked}
    assert [n.url for m in data.maps for s in m.steps for n in s.nodes] == [
        s.milestone.get_absolute_url() for s in data.overview.milestones
    ]
    client.force_login(learner)
    page = client.get(reverse("roadmap:dashboard")).content.decode()
    for milestone in linked:
        assert f'href="{milestone.get_absolute_url()}"' in page


def former_target_date_line(detail: str) -> str:
    """describe_event()'s line for a target-date change as it was, worked out at each call."""
    if not detail:
        return gettext("Target date cleared")
    try:
        date = dt.date.fromisoformat(detail)
    except ValueError:
        return gettext("Target date set")
    return gettext("Target date set to %(date)s") % {"date": formats.date_format(date)}


@pytest.mark.parametrize("language", ["en-gb", "en", "de"])
@pytest.mark.parametrize("detail", ["", "2026-12-24", "2027-01-02", "not a date"])
def test_a_target_date_line_is_the_former_line_in_the_active_language(language, detail):
    event = ProgressEvent(kind=ProgressEventKind.TARGET_DATE, detail=detail)
    for _ in range(2):  # worked out, then remembered
        with translation.override(language):
            assert activity_pages.describe_event(event) == former_target_date_line(detail)
            assert activity_pages.describe_event(event, language) == former_target_date_line(detail)


def former_next_actions(overview: LearnerOverview, limit: int) -> list[MilestoneState]:
    """LearnerOverview.next_actions as it was: sorted by the states' properties."""
    open_ = [m for m in overview.milestones if not m.is_finished]
    order = {id(m): i for i, m in enumerate(open_)}
    return sorted(
        open_,
        key=lambda m: (
            m.status != ProgressStatus.IN_PROGRESS,
            m.target_date is None,
            m.target_date or dt.date.max,
            order[id(m)],
        ),
    )[:limit]


@pytest.mark.parametrize("seed", range(40))
def test_next_actions_are_what_the_former_sort_gave(seed):
    overview = random_overview(random.Random(seed), dt.date(2026, 3, 11))
    for limit in (0, 1, 3, 100):
        assert [id(s) for s in overview.next_actions(limit)] == [
            id(s) for s in former_next_actions(overview, limit)
        ]


def former_project_finish(
    *, overview: LearnerOverview, first_activity: dt.date | None, zone: dt.tzinfo
) -> activity_pages.Projection:
    """activity.project_finish as it was: three passes through the states' properties."""
    today = overview.today
    remaining = sum(1 for m in overview.milestones if not m.is_finished)
    if overview.total == 0:
        return activity_pages.Projection(
            status=activity_pages.ProjectionStatus.NO_MILESTONES, remaining=0
        )
    if remaining == 0:
        return activity_pages.Projection(
            status=activity_pages.ProjectionStatus.COMPLETE, remaining=0
        )
    since = today - dt.timedelta(days=activity_pages.PACE_DAYS - 1)
    done_recently = sum(
        1
        for m in overview.milestones
        if m.status == ProgressStatus.DONE
        and m.progress.completed_at is not None
        and since <= m.progress.completed_at.astimezone(zone).date() <= today
    )
    days_observed = 0
    if first_activity is not None:
        days_observed = min(activity_pages.PACE_DAYS, (today - max(first_activity, since)).days + 1)
    if (
        done_recently < activity_pages.PROJECTION_MIN_DONE
        or days_observed < activity_pages.PROJECTION_MIN_HISTORY_DAYS
    ):
        return activity_pages.Projection(
            status=activity_pages.ProjectionStatus.NOT_ENOUGH_HISTORY,
            remaining=remaining,
            done_recently=done_recently,
            days_observed=days_observed,
        )
    per_day = done_recently / days_observed
    return activity_pages.Projection(
        status=activity_pages.ProjectionStatus.PROJECTED,
        remaining=remaining,
        done_recently=done_recently,
        days_observed=days_observed,
        per_week=round(per_day * 7, 1),
        finish_date=today + dt.timedelta(days=math.ceil(remaining / per_day)),
    )


@pytest.mark.parametrize("seed", range(60))
def test_the_projection_is_what_the_former_passes_gave(seed):
    rng = random.Random(seed)
    today = dt.date(2026, 3, 11)
    overview = random_overview(rng, today)
    first = rng.choice([None, today, today - dt.timedelta(days=rng.randint(1, 200))])
    zone = rng.choice(ZONES)
    assert activity_pages.project_finish(
        overview=overview, first_activity=first, zone=zone
    ) == former_project_finish(overview=overview, first_activity=first, zone=zone)


def test_the_random_overviews_meet_every_projection():
    today = dt.date(2026, 3, 11)
    seen = set()
    for seed in range(60):
        rng = random.Random(seed)
        overview = random_overview(rng, today)
        first = rng.choice([None, today, today - dt.timedelta(days=rng.randint(1, 200))])
        seen.add(former_project_finish(overview=overview, first_activity=first, zone=dt.UTC).status)
    empty = LearnerOverview(today=today, paths=[])
    seen.add(former_project_finish(overview=empty, first_activity=None, zone=dt.UTC).status)
    assert seen >= {"no_milestones", "not_enough_history", "projected"}


@pytest.mark.parametrize("seed", range(20))
def test_the_heatmaps_weeks_are_the_former_sums(seed):
    rng = random.Random(seed)
    today = dt.date(2026, 3, 11) + dt.timedelta(days=rng.randint(0, 6))
    counts = {today - dt.timedelta(days=rng.randint(0, 90)): rng.randint(0, 9) for _ in range(40)}
    heatmap = activity_pages.build_heatmap(counts=counts, today=today)
    former = []
    for index in range(activity_pages.HEATMAP_DAYS // 7):
        chunk = heatmap.cells[index * 7 : index * 7 + 7]
        former.append(
            activity_pages.WeekTotal(
                start=chunk[0].day,
                end=chunk[-1].day,
                count=sum(c.count for c in chunk),
                active_days=sum(1 for c in chunk if c.count),
            )
        )
    assert heatmap.weeks == former


def former_build_heatmap(
    *, counts: dict[dt.date, int], today: dt.date, days: int = activity_pages.HEATMAP_DAYS
) -> activity_pages.Heatmap:
    """build_heatmap() as it was: every square visited for the cells, the labels and the weeks."""
    a = activity_pages
    start = today - dt.timedelta(days=days - 1)
    grid_start = start - dt.timedelta(days=start.weekday())
    language = translation.get_language()
    cells = [
        cell
        if not (count := counts.get(cell.day, 0))
        else a.HeatmapCell(
            day=cell.day, count=count, level=a.heatmap_level(count), x=cell.x, y=cell.y
        )
        for cell in a.quiet_cells(today, days)
    ]
    columns = (today - grid_start).days // 7 + 1
    month_labels = []
    firsts = [c for c in cells if c.day.day == 1]
    if not firsts or (firsts[0].x - a.LEFT) // a.PITCH >= 3:
        firsts.insert(0, cells[0])
    for cell in firsts:
        month_labels.append(
            a.AxisLabel(text=a._day_text(cell.day, "M", language), x=cell.x, y=a.TOP - 5)
        )
    weekday_labels = [
        a.AxisLabel(
            text=a._day_text(grid_start + dt.timedelta(days=row), "D", language),
            x=0,
            y=a.TOP + row * a.PITCH + a.CELL - 2,
        )
        for row in (0, 2, 4)
    ]
    weeks = []
    for index in range(days // 7):
        chunk = cells[index * 7 : index * 7 + 7]
        weeks.append(
            a.WeekTotal(
                start=chunk[0].day,
                end=chunk[-1].day,
                count=sum(c.count for c in chunk if c.count),
                active_days=sum(1 for c in chunk if c.count),
            )
        )
    active = [day for day, n in counts.items() if n and start <= day <= today]
    return a.Heatmap(
        start=start,
        today=today,
        cells=cells,
        columns=columns,
        month_labels=month_labels,
        weekday_labels=weekday_labels,
        weeks=weeks,
        streak=a.streak_length(active_days=active, today=today),
        longest_streak=a.longest_streak(active_days=active),
    )


def random_activity(rng: random.Random) -> tuple[dt.date, int, dict[dt.date, int]]:
    """A day for today, a chart's length and changes a day: before, inside and after the chart
    (days without changes among them), any weekday and month for today, charts of whole weeks
    and not."""
    today = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 400))
    days = rng.choice([activity_pages.HEATMAP_DAYS, 84, 90, 31, 10, 6, 1])
    counts = {
        today + dt.timedelta(days=rng.randint(-days - 5, 3)): rng.choice([0, 1, 1, 2, 5, 9, 14])
        for _ in range(rng.randint(0, 50))
    }
    return today, days, counts


@pytest.mark.parametrize("seed", range(40))
def test_the_heatmap_is_what_the_former_build_gave(seed):
    # given: activity before, inside and after the chart (days without changes among them),
    # any weekday and month for today, charts of whole weeks and not, two languages
    rng = random.Random(seed)
    today, days, counts = random_activity(rng)
    with translation.override(rng.choice(["en", "de"])):
        # when
        heatmap = activity_pages.build_heatmap(counts=counts, today=today, days=days)
        # then: every field, the labels in the active language
        former = former_build_heatmap(counts=counts, today=today, days=days)
    assert heatmap == former
    assert (heatmap.total, heatmap.active_days, heatmap.busiest) == (
        former.total,
        former.active_days,
        former.busiest,
    )


def test_the_random_heatmaps_meet_every_case():
    # the seeds above give streaks, weeks with activity, labels of more than one month
    seen = set()
    for seed in range(40):
        rng = random.Random(seed)
        today, days, counts = random_activity(rng)
        heatmap = activity_pages.build_heatmap(counts=counts, today=today, days=days)
        seen.add(("streak", heatmap.streak > 1))
        seen.add(("active week", any(w.count for w in heatmap.weeks)))
        seen.add(("months", len(heatmap.month_labels) > 2))
        seen.add(("partial week", days % 7 != 0 and heatmap.total > 0))
    assert seen >= {
        ("streak", True),
        ("streak", False),
        ("active week", True),
        ("months", True),
        ("partial week", True),
    }


@pytest.mark.parametrize("seed", range(40))
def test_the_heatmaps_active_cells_are_every_cell_with_a_change(seed):
    # given: the random activity above
    rng = random.Random(seed)
    today, days, counts = random_activity(rng)
    # when
    heatmap = activity_pages.build_heatmap(counts=counts, today=today, days=days)
    # then: the summary's figures are read off exactly the squares with a change, in any order
    active = sorted(heatmap.active_cells, key=lambda c: c.day)
    assert active == [c for c in heatmap.cells if c.count]


def test_a_heatmap_with_its_cells_replaced_reads_its_figures_off_every_cell():
    # given: a busy heatmap, and the same with other cells put in (as tests and callers may)
    heatmap = activity_pages.build_heatmap(
        counts={dt.date(2026, 3, 10): 4, dt.date(2026, 3, 11): 2}, today=dt.date(2026, 3, 11)
    )
    busier = [dataclasses.replace(c, count=c.count + 1) for c in heatmap.cells]
    replaced = dataclasses.replace(heatmap, cells=busier)
    # then: the replaced one does not keep the first one's active cells
    assert replaced.active_cells is None
    assert (replaced.total, replaced.active_days) == (6 + len(busier), len(busier))
    assert replaced.busiest == busier[-2]
