"""Renewal arithmetic: which logged credits count toward the current cycle, and the verdict.

Pure functions over plain objects (no queries), so every page and email computes it one way.

The cycle is the credential's validity window, both ends inclusive: from the date earned (or
`cycle_months` before the expiry date, whichever is later) to the expiry date. A credit dated on
either boundary counts; one a day outside does not.

The verdict, for an earned certification with a renewal rule:
- "met": every minimum and the total are reached (credits over a maximum do not count);
- "expired": the expiry date has passed without the requirement being met;
- "due": the cycle ends within DUE_WITHIN_DAYS days and credits are still missing;
- "on_track": the share of the requirement done is at least the share of the cycle elapsed,
  i.e. keeping the pace so far finishes in time;
- "at_risk": behind that pace, with more than DUE_WITHIN_DAYS days left.

When a renewal may be recorded (`renewal_is_open`): once the cycle's credits are met (PMI and
others accept a renewal as soon as the credits are in), or, met or not, in the last
RENEWAL_WINDOW_DAYS days before the expiry date and any time after it (a late renewal). 180 days
is the widest window the big issuers publish for renewals without credits (Microsoft's; Google
Cloud's is 60 days); a learner who renewed earlier than that can still set the new expiry date
by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from certifications.models import add_months
from core.numbers import whole_percent

DUE_WITHIN_DAYS = 60
RENEWAL_WINDOW_DAYS = 180
ZERO = Decimal(0)

VERDICT_LABELS = {
    "met": _("Requirement met"),
    "on_track": _("On track"),
    "at_risk": _("At risk"),
    "due": _("Renewal due"),
    "expired": _("Expired"),
}


@dataclass
class CategoryProgress:
    category: object
    raw: Decimal = ZERO  # credits logged in the cycle, own and children's
    counted: Decimal = ZERO  # after the category's maximum
    children: list[CategoryProgress] = field(default_factory=list)

    @property
    def minimum(self) -> int | None:
        return self.category.min_credits

    @property
    def maximum(self) -> int | None:
        return self.category.max_credits

    @property
    def over_maximum(self) -> Decimal:
        return self.raw - self.counted

    @property
    def shortfall(self) -> Decimal:
        """Credits still needed here: its own minimum, or its children's, whichever is more."""
        own = max(ZERO, Decimal(self.minimum or 0) - self.counted)
        return max(own, sum((c.shortfall for c in self.children), ZERO))

    @property
    def met(self) -> bool:
        return self.shortfall == 0


@dataclass
class RenewalProgress:
    needed: int
    credit_name: str
    cycle_start: dt.date
    cycle_end: dt.date
    today: dt.date
    counted: Decimal
    categories: list[CategoryProgress]  # top level first, children nested
    outside_cycle: Decimal
    over_maximum: Decimal
    shortfall: Decimal
    verdict: str

    @property
    def days_left(self) -> int:
        return (self.cycle_end - self.today).days

    @property
    def bar_value(self) -> Decimal:
        return self.needed - self.shortfall if self.shortfall < self.needed else ZERO

    @property
    def percent(self) -> int:
        return whole_percent(self.bar_value, self.needed) if self.needed else 100

    @property
    def verdict_label(self) -> str:
        return str(VERDICT_LABELS[self.verdict])

    @property
    def flat_categories(self) -> list[tuple[int, CategoryProgress]]:
        out: list[tuple[int, CategoryProgress]] = []

        def walk(items, depth):
            for item in items:
                out.append((depth, item))
                walk(item.children, depth + 1)

        walk(self.categories, 0)
        return out


def cycle_bounds(
    *, earned_on: dt.date, expires_on: dt.date, cycle_months: int
) -> tuple[dt.date, dt.date]:
    start = add_months(expires_on + dt.timedelta(days=1), -cycle_months)
    return max(start, earned_on), expires_on


def renewal_progress(
    *,
    needed: int,
    credit_name: str,
    categories: list,
    credits: list,
    earned_on: dt.date,
    expires_on: dt.date,
    cycle_months: int,
    today: dt.date,
) -> RenewalProgress:
    """`categories`: RenewalCategory-like objects (pk, parent_id, min/max_credits); `credits`:
    objects with date, credits and category_id."""
    start, end = cycle_bounds(earned_on=earned_on, expires_on=expires_on, cycle_months=cycle_months)
    nodes = {c.pk: CategoryProgress(category=c) for c in categories}
    own: dict[int | None, Decimal] = {}
    outside = ZERO
    for credit in credits:
        if not (start <= credit.date <= end):
            outside += credit.credits
            continue
        key = credit.category_id if credit.category_id in nodes else None
        own[key] = own.get(key, ZERO) + credit.credits
    roots = []
    for c in categories:
        if c.parent_id in nodes:
            nodes[c.parent_id].children.append(nodes[c.pk])
        else:
            roots.append(nodes[c.pk])

    def settle(node: CategoryProgress) -> None:
        for child in node.children:
            settle(child)
        own_credits = own.get(node.category.pk, ZERO)
        node.raw = own_credits + sum((c.raw for c in node.children), ZERO)
        counted = own_credits + sum((c.counted for c in node.children), ZERO)
        if node.maximum is not None:
            counted = min(counted, Decimal(node.maximum))
        node.counted = counted

    for root in roots:
        settle(root)
    counted = own.get(None, ZERO) + sum((r.counted for r in roots), ZERO)
    over = sum((r.raw - r.counted for r in roots), ZERO)
    shortfall = max(max(ZERO, Decimal(needed) - counted), sum((r.shortfall for r in roots), ZERO))
    verdict = _verdict(needed=needed, shortfall=shortfall, start=start, end=end, today=today)
    return RenewalProgress(
        needed=needed,
        credit_name=credit_name,
        cycle_start=start,
        cycle_end=end,
        today=today,
        counted=counted,
        categories=roots,
        outside_cycle=outside,
        over_maximum=over,
        shortfall=shortfall,
        verdict=verdict,
    )


def _verdict(
    *, needed: int, shortfall: Decimal, start: dt.date, end: dt.date, today: dt.date
) -> str:
    if shortfall == 0:
        return "met"
    if today > end:
        return "expired"
    days_left = (end - today).days
    if days_left <= DUE_WITHIN_DAYS:
        return "due"
    cycle_days = (end - start).days + 1
    elapsed = max(0, (today - start).days)
    done_share = (Decimal(needed) - shortfall) / Decimal(needed)
    return "on_track" if done_share >= Decimal(elapsed) / Decimal(cycle_days) else "at_risk"


def renewal_opens_on(*, expires_on: dt.date) -> dt.date:
    """The first day a renewal may be recorded without the credits met."""
    return expires_on - dt.timedelta(days=RENEWAL_WINDOW_DAYS)


def renewal_is_open(
    *, expires_on: dt.date, today: dt.date, progress: RenewalProgress | None
) -> bool:
    """May a renewal be recorded today: the cycle's credits are met (`progress` of the cycle
    ending on `expires_on`, None for a certification without credits), or the renewal window
    has opened."""
    credits_met = progress is not None and progress.shortfall == 0
    return credits_met or today >= renewal_opens_on(expires_on=expires_on)
