"""The one rounding rule for a percentage shown to a learner (progress, renewal credits)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def whole_percent(part: int | Decimal, whole: int | Decimal) -> int:
    """`part` of `whole` as a whole percent, rounded half up (2 of 41 is 4.88%: 5%), with two
    guards so the number never lies about being finished or untouched: below 100 until `part`
    reaches `whole`, above 0 once `part` is above zero. Nothing of nothing is 0%."""
    if whole <= 0 or part <= 0:
        return 0
    if part >= whole:
        return 100
    exact = Decimal(part) * 100 / Decimal(whole)
    rounded = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return min(max(rounded, 1), 99)
