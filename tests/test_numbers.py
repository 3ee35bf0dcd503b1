"""The one rounding rule for percentages: half up, never 100% before all is done, never 0%
after the first is done."""

from decimal import Decimal

import pytest

from core.numbers import whole_percent


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (2, 41, 5),  # 4.88%: rounded half up, not down to 4%
        (17, 41, 41),  # 41.46%
        (1, 8, 13),  # 12.5%: a half goes up
        (1, 3, 33),
        (2, 3, 67),
        (1, 1000, 1),  # 0.1%: the first done is never 0%
        (999, 1000, 99),  # 99.9%: not 100% before all is done
        (41, 41, 100),
        (0, 41, 0),
        (0, 0, 0),
        (Decimal("7.5"), Decimal("60"), 13),  # renewal credits are decimals
    ],
)
def test_whole_percent_rounds_half_up_with_the_two_guards(part, whole, expected):
    assert whole_percent(part, whole) == expected


def test_every_step_from_none_to_all_is_monotonic_and_guarded():
    for whole in range(1, 120):
        shown = [whole_percent(part, whole) for part in range(whole + 1)]
        assert shown == sorted(shown)
        assert shown[0] == 0 and shown[-1] == 100
        assert 0 not in shown[1:] and 100 not in shown[:-1]
