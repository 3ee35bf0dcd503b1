"""Roadmap's progress digest: who is due one (selectors.reminders), and its email, for many
learners at once in a fixed number of queries.

Most of a digest is shared between learners on one roadmap, so it is assembled from parts made
once per batch (_DigestFragments) and laid out by the engine's precompiled layouts; its
wording is translated once per process (_DigestWords).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import DigestFrequency, User
from core.email import RenderedEmail
from reminders.models import ReminderDelivery
from reminders.selectors import learner_zone
from reminders.services.email import reminder_headers
from reminders.services.layouts import LAYOUTS
from reminders.services.registry import DigestItem, DigestSection, digest_sections
from reminders.services.unsubscribe import UnsubscribeKind, UnsubscribeLinks, absolute_url
from roadmap.models import LearnerPlan, Milestone, ProgressStatus, Step
from roadmap.selectors import reminders as selectors
from roadmap.selectors.plan import plan_digest_section
from roadmap.selectors.progress import DUE_SOON_DAYS, MilestoneState


def short_date(day: dt.date) -> str:
    return date_format(day, "D j M")


class Links:
    """Absolute links for one batch; a shared roadmap means the same milestone URLs recur."""

    def __init__(self) -> None:
        self._milestones: dict[int, str] = {}
        self.unsubscribe = UnsubscribeLinks()
        self.dashboard = absolute_url(reverse("roadmap:dashboard"))
        self.settings = absolute_url(reverse("accounts:settings"))

    def milestone(self, milestone: Milestone) -> str:
        url = self._milestones.get(milestone.pk)
        if url is None:
            url = self._milestones[milestone.pk] = absolute_url(milestone.get_absolute_url())
        return url


@dataclass(frozen=True)
class DigestRequest:
    learner: User
    frequency: str  # daily or weekly: the period "since" falls back to
    period_key: str
    delivery_id: int | None = None


class _DigestWords:
    """The digest's sentences made of each learner's own values (greeting, summary, subject,
    notes) in one language: their formats translated once per process, the sentences made
    from them and remembered (a gettext call per email would re-run for thousands of emails).

    The fixed words (headings, footer) live in the templates: the layouts render them once
    per shape and language, so they cost nothing per email.
    """

    MAX_ENTRIES = 1024  # remembered dates and counts; then start over

    def __init__(self) -> None:
        self.nothing_done = _(
            "No milestones finished since your last digest — one small step today keeps you moving."
        )
        self.hello = _("Hello %(name)s,")
        self.overall = _("Overall: %(percent)d%% complete")
        self._notes = {"target": _("target %(date)s"), "was_due": _("was due %(date)s")}
        self._subject = {
            "overdue": _("%(n)d overdue: %(title)s"),
            "due": _("due %(date)s: %(title)s"),
            "percent": _("%(percent)d%% done"),
            "next": _("next: %(title)s"),
        }
        self._cache: dict[tuple, str] = {}

    def _remember(self, key: tuple, make: Callable[[], str]) -> str:
        text = self._cache.get(key)
        if text is None:
            if len(self._cache) >= self.MAX_ENTRIES:
                self._cache.clear()
            text = self._cache[key] = make()
        return text

    def date(self, day: dt.date) -> str:
        return self._remember(("date", day), lambda: short_date(day))

    def _done_since(self, frequency: str, n: int) -> str:
        if frequency == DigestFrequency.DAILY:
            return self._remember(
                ("daily", n),
                lambda: ngettext(
                    "%(n)d milestone done since yesterday",
                    "%(n)d milestones done since yesterday",
                    n,
                ),
            )
        return self._remember(
            ("weekly", n),
            lambda: ngettext(
                "%(n)d milestone done this week", "%(n)d milestones done this week", n
            ),
        )

    def subject(
        self,
        *,
        frequency: str,
        done_count: int,
        percent: int,
        overdue: list[MilestoneState],
        due_soon: list[MilestoneState],
        next_action: MilestoneState | None,
    ) -> str:
        """Specific, e.g. "2 milestones done this week · 1 overdue: Learn Scrum basics"."""
        parts = []
        if done_count:
            parts.append(self._done_since(frequency, done_count) % {"n": done_count})
        if overdue:
            parts.append(
                self._subject["overdue"] % {"n": len(overdue), "title": overdue[0].milestone.title}
            )
        elif due_soon:
            parts.append(
                self._subject["due"]
                % {"date": self.date(due_soon[0].target_date), "title": due_soon[0].milestone.title}
            )
        if not parts:
            parts.append(self._subject["percent"] % {"percent": percent})
            if next_action is not None:
                parts.append(self._subject["next"] % {"title": next_action.milestone.title})
        subject = " · ".join(parts)
        subject = subject[0].upper() + subject[1:]
        return subject if len(subject) <= 150 else subject[:149] + "…"

    def summary(self, *, done: int, streak: int) -> str:
        if done:
            text = self._remember(
                ("finished", done),
                lambda: ngettext(
                    "You finished %(n)d milestone since your last digest.",
                    "You finished %(n)d milestones since your last digest.",
                    done,
                ),
            ) % {"n": done}
        else:
            text = self.nothing_done
        if streak:
            text += " " + self._remember(
                ("streak", streak),
                lambda: ngettext(
                    "Your streak: %(n)d day in a row.", "Your streak: %(n)d days in a row.", streak
                ),
            ) % {"n": streak}
        return text

    def row(self, state: MilestoneState, links: Links, note: str = "") -> dict:
        target = state.target_date
        if target is not None:
            date = self.date(target)
            note = self._notes.get(note, "%(date)s") % {"date": date}
        return {
            "title": state.milestone.title,
            "url": links.milestone(state.milestone),
            "note": note,
        }


_WORDS: dict[str | None, _DigestWords] = {}


def _digest_words() -> _DigestWords:
    """The wording in the active language, made once per language."""
    language = get_language()
    words = _WORDS.get(language)
    if words is None:
        words = _WORDS[language] = _DigestWords()
    return words


class _DigestFragments:
    """The digest's recurring parts, made once per batch: each step's row for each percent it
    shows, each path's block for each set of step percents, each milestone's line for each
    note.

    Learners on one roadmap share its steps and milestones and a step has only a few possible
    percents, so nearly every part is a cache hit: a learner's digest is assembled from
    ready-made parts (read-only, so shared) instead of running a loop of tags and filters
    for each step of each learner (most of what the two templates cost).
    """

    def __init__(self, *, words: _DigestWords, links: Links) -> None:
        self._words = words
        self._links = links
        self._step_html = get_template("roadmap/email/_step_row.html")
        self._step_text = get_template("roadmap/email/_step_row.txt")
        self._steps: dict[tuple[int, int], tuple[str, str]] = {}
        self._paths: dict[tuple, dict] = {}
        self._rows: dict[tuple, dict] = {}

    def step(self, step: Step, percent: int) -> tuple[str, str]:
        key = (step.pk, percent)
        found = self._steps.get(key)
        if found is None:
            context = {"title": step.title, "percent": percent, "rest": 100 - percent}
            found = (self._step_html.render(context), self._step_text.render(context))
            self._steps[key] = found
        return found

    def path(self, progress) -> dict:
        """A path's heading and step rows (HTML and text)."""
        percents = tuple(s.percent for s in progress.steps)
        # Everything the heading and rows show (percents follow from done, skipped and total).
        key = (progress.path.pk, progress.done, progress.skipped, progress.total, percents)
        found = self._paths.get(key)
        if found is None:
            rows = [self.step(s.step, p) for s, p in zip(progress.steps, percents, strict=True)]
            found = self._paths[key] = {
                "heading": f"{progress.path.title}: {progress.percent}% "
                f"({progress.done}/{progress.total})",
                # Pieces of autoescaped templates, so joining them keeps them safe.
                "html": mark_safe("".join(html for html, _ in rows)),
                "text": "".join(text for _, text in rows),
            }
        return found

    def row(self, state: MilestoneState, note: str = "") -> dict:
        """A milestone's line: title, link and note."""
        key = (state.milestone.pk, state.target_date, note)
        found = self._rows.get(key)
        if found is None:
            found = self._rows[key] = self._words.row(state, self._links, note)
        return found


def _plan_section(section: dict, *, plan_url: str) -> DigestSection:
    """The digest's "This week's plan" block: the week's planned work, last week's goal, and
    Re-plan from this week once the learner is two weeks behind."""
    items = [
        DigestItem(
            text=item["title"],
            url=absolute_url(item["url"]),
            note=_("%(hours)s h planned") % {"hours": f"{item['hours']:g}"},
        )
        for item in section["planned"]
    ]
    goal = section["last_week_goal"]
    if goal["counted"]:
        unit = _("hours") if goal["kind"] == "hours" else _("milestones")
        items.append(
            DigestItem(
                text=(_("Last week's goal met") if goal["met"] else _("Last week's goal missed")),
                note=_("%(done)s of %(target)s %(unit)s")
                % {"done": f"{goal['done']:g}", "target": goal["target"], "unit": unit},
            )
        )
    if section["offer_replan"]:
        items.append(
            DigestItem(
                text=_("Re-plan from this week"),
                url=plan_url,
                note=ngettext(
                    "your plan is %(n)s week behind",
                    "your plan is %(n)s weeks behind",
                    section["weeks_behind"],
                )
                % {"n": section["weeks_behind"]},
            )
        )
    title = _("This week's plan: %(hours)s hours") % {"hours": f"{section['planned_hours']:g}"}
    return DigestSection(title=title, items=tuple(items))


def digests_render(
    *, requests: Sequence[DigestRequest], now: dt.datetime
) -> dict[int, RenderedEmail | None]:
    """Digest emails for many learners in a fixed number of queries: {learner id: RenderedEmail,
    or None when there is nothing to say (not enrolled, nothing left to do)}."""
    learners = [r.learner for r in requests]
    if not learners:
        return {}
    today = {learner.pk: now.astimezone(learner_zone(learner)).date() for learner in learners}
    overviews = selectors.learner_overviews(learners=learners, today_by_learner=today)
    last_sent = selectors.last_digest_sent_at(learner_ids=today)
    streaks = selectors.streaks(learners=learners, today_by_learner=today)
    sections: dict[int, list[DigestSection]] = digest_sections(learners, now)
    plans = {plan.learner_id: plan for plan in LearnerPlan.objects.filter(learner__in=learners)}
    plan_url = absolute_url(reverse("roadmap:plan"))
    links = Links()
    words = _digest_words()
    fragments = _DigestFragments(words=words, links=links)
    html_template = get_template("roadmap/email/digest.html")
    text_template = get_template("roadmap/email/digest.txt")
    rendered: dict[int, RenderedEmail | None] = {}
    for request in requests:
        learner = request.learner
        overview = overviews[learner.pk]
        extra = sections.get(learner.pk, [])
        plan = plan_digest_section(learner=learner, overview=overview, plan=plans.get(learner.pk))
        if plan is not None and (plan["planned"] or plan["offer_replan"]):
            extra = [_plan_section(plan, plan_url=plan_url), *extra]
        if overview.total == 0 or (overview.is_complete and not extra):
            rendered[learner.pk] = None
            continue
        period = dt.timedelta(days=1 if request.frequency == DigestFrequency.DAILY else 7)
        since = last_sent.get(learner.pk) or now - period
        done = [
            m
            for m in overview.milestones
            if m.status == ProgressStatus.DONE
            and m.progress.completed_at is not None
            and m.progress.completed_at >= since
        ]
        actions = overview.next_actions(1)
        next_action = actions[0] if actions else None
        overdue, due_soon, percent = overview.overdue, overview.due_soon, overview.percent
        subject = words.subject(
            frequency=request.frequency,
            done_count=len(done),
            percent=percent,
            overdue=overdue,
            due_soon=due_soon,
            next_action=next_action,
        )
        unsubscribe = links.unsubscribe(learner=learner, kind=UnsubscribeKind.DIGEST)
        paths = [fragments.path(p) for p in overview.paths]
        daily = request.frequency == DigestFrequency.DAILY
        context = {
            "subject": subject,
            "hello": words.hello % {"name": learner.name},
            "summary": words.summary(done=len(done), streak=streaks.get(learner.pk, 0)),
            "done": [fragments.row(m) for m in done[:5]],
            "overall": words.overall % {"percent": percent},
            "paths": paths,
            "overdue": [fragments.row(m, "was_due") for m in overdue],
            "due_soon": [fragments.row(m) for m in due_soon],
            "next_action": fragments.row(next_action, "target") if next_action else None,
            "sections": extra,
            "daily": daily,
            "due_soon_days": DUE_SOON_DAYS,
            "dashboard_url": links.dashboard,
            "settings_url": links.settings,
            "unsubscribe_url": unsubscribe,
        }
        headers = reminder_headers(
            unsubscribe=unsubscribe, key=request.period_key, delivery_id=request.delivery_id
        )
        text, html_part = LAYOUTS.render((text_template, html_template), context)
        rendered[learner.pk] = RenderedEmail(
            to=learner.email, subject=subject, text=text, html=html_part, headers=headers
        )
    return rendered


def _frequency_of(period_key: str) -> str:
    daily = period_key.startswith("digest:daily:")
    return DigestFrequency.DAILY if daily else DigestFrequency.WEEKLY


def digest_deliveries_render(
    *, deliveries: Sequence[ReminderDelivery], now: dt.datetime
) -> dict[int, RenderedEmail | None]:
    """A send batch's digests by delivery id; None for a learner who switched the digest off
    since the claim, or who has nothing to hear about."""
    rendered: dict[int, RenderedEmail | None] = {d.pk: None for d in deliveries}
    deliveries = [d for d in deliveries if d.learner.digest_frequency != DigestFrequency.OFF]
    by_learner = digests_render(
        requests=[
            DigestRequest(
                learner=d.learner,
                frequency=_frequency_of(d.period_key),
                period_key=d.period_key,
                delivery_id=d.pk,
            )
            for d in deliveries
        ],
        now=now,
    )
    rendered.update({d.pk: by_learner[d.learner_id] for d in deliveries})
    return rendered


def digest_preview(*, learner: User, now: dt.datetime | None = None) -> RenderedEmail | None:
    """The digest this learner would get if it were sent now, by the sender's own code."""
    now = now or timezone.now()
    frequency = learner.digest_frequency
    if frequency == DigestFrequency.OFF:
        frequency = DigestFrequency.WEEKLY
    local = now.astimezone(learner_zone(learner))
    key = selectors.digest_period_key(frequency=frequency, local=local)
    request = DigestRequest(learner=learner, frequency=frequency, period_key=key)
    return digests_render(requests=[request], now=now)[learner.pk]
