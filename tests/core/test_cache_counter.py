"""core.cache.counter_incr on a cache without Redis (the embedded default's file cache):
it counts within its lifetime and starts again after it."""

from __future__ import annotations

import time_machine
from django.core.cache.backends.filebased import FileBasedCache

from core.cache import counter_incr


def test_a_counter_counts_until_its_time_is_up_then_starts_again(tmp_path):
    # given
    cache = FileBasedCache(str(tmp_path), {})

    with time_machine.travel("2026-03-10 12:00:00Z", tick=False) as clock:
        # when: three hits in the first 30 s of a 60 s counter
        first = [counter_incr(cache, "hits", timeout=60) for _ in range(3)]
        clock.shift(30)
        later = counter_incr(cache, "hits", timeout=60)
        clock.shift(31)
        after = counter_incr(cache, "hits", timeout=60)

    # then: counted with the seconds left, and a fresh count once the 60 s are over
    assert first == [(1, 60.0), (2, 60.0), (3, 60.0)]
    assert later == (4, 30.0)
    assert after == (1, 60.0)
