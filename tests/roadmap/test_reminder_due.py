"""Who is due a reminder, when: local hours across timezones and DST changes, once per period."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from accounts.models import DigestFrequency, User, Weekday
from reminders import selectors as reminder_selectors
from reminders.models import DeliveryStatus, ReminderDelivery
from reminders.services import dispatch as reminder_dispatch
from reminders.services import sending
from roadmap.models import ProgressStatus, ReminderKind
from roadmap.selectors import reminders as selectors
from tests.accounts.factories import UserFactory
from tests.roadmap.factories import build_roadmap
from tests.roadmap.reminder_helpers import learner_on, milestones_of, progress

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def due_now() -> dict[str, str]:
    """email -> period key of every digest the dispatcher would claim at the frozen time."""
    found: dict[str, str] = {}
    for page in selectors.due_digests(now=timezone.now()):
        for due in page:
            found[email_of(due.learner_id)] = due.period_key
    return found


def email_of(pk: int) -> str:
    return User.objects.get(pk=pk).email


@pytest.fixture
def path():
    return build_roadmap(steps=2, milestones_per_step=2)


@pytest.fixture
def la_and_auckland(path):
    return (
        learner_on(path, timezone="America/Los_Angeles", email="la@example.com"),
        learner_on(path, timezone="Pacific/Auckland", email="akl@example.com"),
    )


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        # An ordinary day: LA is UTC-7 (PDT) on 10 March, Auckland UTC+13 (NZDT).
        (utc(2026, 3, 10, 15, 59), {}),
        (utc(2026, 3, 10, 16, 0), {"la@example.com": "digest:daily:2026-03-10"}),
        (
            utc(2026, 3, 10, 20, 0),
            {
                "la@example.com": "digest:daily:2026-03-10",
                "akl@example.com": "digest:daily:2026-03-11",
            },
        ),
        # US DST starts 8 March at 2:00: 9:00 PDT is 16:00 UTC that day, 17:00 UTC the day before.
        (utc(2026, 3, 7, 16, 0), {}),
        (utc(2026, 3, 7, 17, 0), {"la@example.com": "digest:daily:2026-03-07"}),
        (utc(2026, 3, 8, 15, 45), {}),
        (utc(2026, 3, 8, 16, 0), {"la@example.com": "digest:daily:2026-03-08"}),
        # US DST ends 1 November: 9:00 PST is 17:00 UTC; at 16:00 UTC it is only 8:00.
        (utc(2026, 11, 1, 16, 0), {}),
        (utc(2026, 11, 1, 17, 0), {"la@example.com": "digest:daily:2026-11-01"}),
        # NZ DST ends 5 April at 3:00 (clocks back to 2:00): 9:00 NZST is 21:00 UTC on 4 April.
        (utc(2026, 4, 4, 20, 0), {"la@example.com": "digest:daily:2026-04-04"}),
        (
            utc(2026, 4, 4, 21, 0),
            {
                "la@example.com": "digest:daily:2026-04-04",
                "akl@example.com": "digest:daily:2026-04-05",
            },
        ),
        # NZ DST starts 27 September (2:00 -> 3:00): 9:00 NZDT is 20:00 UTC on 26 September.
        (utc(2026, 9, 26, 19, 45), {"la@example.com": "digest:daily:2026-09-26"}),
        (
            utc(2026, 9, 26, 20, 0),
            {
                "la@example.com": "digest:daily:2026-09-26",
                "akl@example.com": "digest:daily:2026-09-27",
            },
        ),
    ],
)
def test_daily_digest_is_due_from_each_learners_own_nine_oclock(la_and_auckland, instant, expected):
    # given: learners in Los Angeles and Auckland who both chose a daily digest at 9:00
    # when: the dispatcher looks at the frozen instant
    with time_machine.travel(instant, tick=False):
        found = due_now()
    # then: only those whose local clock has reached 9:00 are due, keyed by their local date
    assert found == expected


def send(ids: list[int]) -> None:
    sending.reminder_deliveries_send(delivery_ids=ids)


def test_a_sent_period_is_not_due_again_but_the_next_local_day_is(
    la_and_auckland, django_capture_on_commit_callbacks
):
    # given: LA's digest claimed and sent at 9:00 local on 10 March
    progress(la_and_auckland[0], milestones_of(la_and_auckland[0].enrollments.get().path)[0])
    with (
        time_machine.travel(utc(2026, 3, 10, 16, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminder_dispatch.reminders_dispatch(now=timezone.now(), deliver=send)
    assert ReminderDelivery.objects.get().status == DeliveryStatus.SENT
    # when / then: later the same local day (the dispatcher was down at 9:00, or ran twice),
    # nothing new; the next local morning before 9:00, nothing; at 9:00, the new day's digest
    with time_machine.travel(utc(2026, 3, 10, 23, 30), tick=False):
        assert "la@example.com" not in due_now()
    with time_machine.travel(utc(2026, 3, 11, 15, 30), tick=False):
        assert "la@example.com" not in due_now()
    with time_machine.travel(utc(2026, 3, 11, 16, 0), tick=False):
        assert due_now()["la@example.com"] == "digest:daily:2026-03-11"


def test_a_missed_nine_oclock_is_caught_up_later_the_same_local_day(la_and_auckland):
    # given: no dispatch ran all morning in Los Angeles
    # when: the first run is at 15:15 local
    with time_machine.travel(utc(2026, 3, 10, 22, 15), tick=False):
        found = due_now()
    # then: the day's digest is still due
    assert found["la@example.com"] == "digest:daily:2026-03-10"


def test_weekly_digest_is_due_on_the_chosen_local_weekday_keyed_by_iso_week(path):
    # given: weekly learners who chose Monday; Auckland's Monday starts on Sunday in UTC
    learner_on(
        path,
        timezone="Pacific/Auckland",
        frequency=DigestFrequency.WEEKLY,
        weekday=Weekday.MONDAY,
        email="akl@example.com",
    )
    learner_on(
        path,
        timezone="Europe/London",
        frequency=DigestFrequency.WEEKLY,
        weekday=Weekday.TUESDAY,
        email="ldn@example.com",
    )
    # when / then: Monday 9 March 9:00 in Auckland = Sunday 8 March 20:00 UTC
    with time_machine.travel(utc(2026, 3, 8, 20, 0), tick=False):
        assert due_now() == {"akl@example.com": "digest:weekly:2026-W11"}
    # on Tuesday the Monday learner is not due (not their day), the Tuesday one is
    with time_machine.travel(utc(2026, 3, 10, 9, 0), tick=False):
        assert due_now() == {"ldn@example.com": "digest:weekly:2026-W11"}


def test_no_digest_for_learners_who_opted_out_are_not_enrolled_or_unverified(path):
    # given
    learner_on(path, email="in@example.com", hour=0)
    learner_on(path, email="off@example.com", hour=0, frequency=DigestFrequency.OFF)
    learner_on(path, email="unverified@example.com", hour=0, verified=False)
    learner_on(path, email="inactive@example.com", hour=0, is_active=False)
    UserFactory(email="not-enrolled@example.com", digest_hour=0, digest_frequency="daily")
    # when
    with time_machine.travel(utc(2026, 3, 10, 12, 0), tick=False):
        found = due_now()
    # then
    assert set(found) == {"in@example.com"}


def test_an_abandoned_claim_is_due_again_but_a_sent_or_fresh_one_is_not(path):
    # given: three learners whose digest for today is sent / freshly claimed / claimed long ago
    sent, fresh, stale = (learner_on(path, hour=0) for _ in range(3))
    now = utc(2026, 3, 10, 12, 0)
    key = "digest:daily:2026-03-10"
    for learner, status, claimed_at in (
        (sent, DeliveryStatus.SENT, now - dt.timedelta(hours=2)),
        (fresh, DeliveryStatus.CLAIMED, now - dt.timedelta(minutes=5)),
        (stale, DeliveryStatus.CLAIMED, now - dt.timedelta(hours=2)),
    ):
        ReminderDelivery.objects.create(
            learner=learner,
            kind=ReminderKind.DIGEST,
            period_key=key,
            status=status,
            claimed_at=claimed_at,
        )
    # when
    with time_machine.travel(now, tick=False):
        found = due_now()
    # then: only the abandoned claim is queued again (sending twice is prevented at send time)
    assert found == {stale.email: key}


def test_dispatch_queues_abandoned_claims_of_earlier_periods_again_once(
    path, django_capture_on_commit_callbacks
):
    # given: yesterday's digest claimed but never queued (the broker was down at 23:50), one
    # claimed three hours ago that is still within the window, one from a fortnight ago, and
    # one claimed five minutes ago that a worker is still busy with
    now = utc(2026, 3, 10, 12, 0)
    rows = {}
    for name, key, age in (
        ("yesterday", "digest:daily:2026-03-09", dt.timedelta(hours=13)),
        ("recent", "digest:daily:2026-03-09", dt.timedelta(hours=3)),
        ("old", "digest:daily:2026-02-24", dt.timedelta(days=14)),
        ("busy", "digest:daily:2026-03-09", dt.timedelta(minutes=5)),
    ):
        learner = learner_on(path, hour=23)  # not due today at 12:00 UTC
        rows[name] = ReminderDelivery.objects.create(
            learner=learner,
            kind=ReminderKind.DIGEST,
            period_key=key,
            status=DeliveryStatus.CLAIMED,
            claimed_at=now - age,
        )
    queued: list[list[int]] = []

    def dispatch():
        with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
            return reminder_dispatch.reminders_dispatch(now=timezone.now(), deliver=queued.append)

    # when
    summary = dispatch()
    # then: the two abandoned claims within the window are queued again, and nothing else
    assert sorted(pk for page in queued for pk in page) == sorted(
        [rows["yesterday"].pk, rows["recent"].pk]
    )
    assert (summary.requeued, summary.count("digest")) == (2, 0)
    # when: the dispatcher runs again at once
    queued.clear()
    again = dispatch()
    # then: they are being worked on now, so they are not queued twice
    assert queued == [] and again.requeued == 0


def test_selection_pages_through_learners_in_batches(path, django_assert_max_num_queries):
    # given: 7 due learners and pages of 3
    for _ in range(7):
        learner_on(path, hour=0)
    # when
    with time_machine.travel(utc(2026, 3, 10, 12, 0), tick=False):
        pages = list(selectors.due_digests(now=timezone.now(), page_size=3))
    # then: three pages, every learner once
    assert [len(p) for p in pages] == [3, 3, 1]
    assert len({d.learner_id for p in pages for d in p}) == 7


def test_dispatch_queries_do_not_grow_with_learners(path, django_assert_max_num_queries):
    # given: 5 due learners, then 60: one page each at the default page size. 15 = the read of
    # abandoned claims, the zone and candidate reads for digests and nudges, the zone read for
    # certification expiry notices, plus one page's claim (savepoint, insert, re-take stale,
    # read ids, release)
    def dispatch() -> int:
        with time_machine.travel(utc(2026, 3, 10, 12, 0), tick=False):
            return reminder_dispatch.reminders_dispatch(
                now=timezone.now(), deliver=lambda ids: None
            ).total

    for _ in range(5):
        learner_on(path, hour=0)
    with django_assert_max_num_queries(15):
        assert dispatch() == 5
    ReminderDelivery.objects.all().delete()
    for _ in range(55):
        learner_on(path, hour=0)
    with django_assert_max_num_queries(15):
        assert dispatch() == 60


# --- Nudges -------------------------------------------------------------------------------------


def due_nudges_now() -> set[tuple[str, str]]:
    return {
        (email_of(n.learner_id), n.period_key)
        for page in selectors.due_nudges(now=timezone.now())
        for n in page
    }


def test_nudges_for_dates_within_days_ahead_and_recently_missed(path):
    # given: a learner in LA nudged 3 days ahead; it is 10 March 9:00 there
    m = milestones_of(path)
    learner = learner_on(path, timezone="America/Los_Angeles", nudge_days_ahead=3)
    progress(learner, m[0], target_date=dt.date(2026, 3, 13))  # 3 days away: nudge
    progress(learner, m[1], target_date=dt.date(2026, 3, 14))  # 4 days away: not yet
    progress(learner, m[2], target_date=dt.date(2026, 3, 9))  # missed yesterday: overdue nudge
    progress(learner, m[3], status=ProgressStatus.DONE, target_date=dt.date(2026, 3, 11))
    # when
    with time_machine.travel(utc(2026, 3, 10, 16, 0), tick=False):
        found = due_nudges_now()
    # then
    assert found == {
        (learner.email, f"nudge:due:{m[0].pk}:2026-03-13"),
        (learner.email, f"nudge:overdue:{m[2].pk}:2026-03-09"),
    }


def test_a_nudge_is_sent_once_per_milestone_and_date_and_again_for_a_new_date(
    path, django_capture_on_commit_callbacks
):
    # given: a milestone due in 2 days, its nudge sent
    m = milestones_of(path)
    learner = learner_on(path, hour=0, nudge_days_ahead=3)
    row = progress(learner, m[0], target_date=dt.date(2026, 3, 12))
    with (
        time_machine.travel(utc(2026, 3, 10, 12, 0), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminder_dispatch.reminders_dispatch(now=timezone.now(), deliver=send)
    assert ReminderDelivery.objects.get(kind=ReminderKind.NUDGE_DUE).status == "sent"
    # when / then: the next run (and the next day) finds nothing new for that date
    with time_machine.travel(utc(2026, 3, 10, 12, 15), tick=False):
        assert due_nudges_now() == set()
    with time_machine.travel(utc(2026, 3, 11, 12, 0), tick=False):
        assert due_nudges_now() == set()
        # when the learner moves the date, the new date gets its own nudge
        row.target_date = dt.date(2026, 3, 13)
        row.save()
        assert due_nudges_now() == {(learner.email, f"nudge:due:{m[0].pk}:2026-03-13")}


def test_no_nudges_when_switched_off_or_before_the_learners_hour(path):
    # given
    m = milestones_of(path)
    off = learner_on(path, hour=0, nudges_enabled=False)
    late = learner_on(path, hour=20)
    for learner in (off, late):
        progress(learner, m[0], target_date=dt.date(2026, 3, 11))
    # when
    with time_machine.travel(utc(2026, 3, 10, 12, 0), tick=False):
        found = due_nudges_now()
    # then
    assert found == set()


def test_dry_run_reports_but_claims_nothing(path):
    # given
    learner_on(path, hour=0, email="dry@example.com")
    seen = []
    # when
    with time_machine.travel(utc(2026, 3, 10, 12, 0), tick=False):
        summary = reminder_dispatch.reminders_dispatch(
            now=timezone.now(),
            deliver=lambda ids: pytest.fail("dry run must not deliver"),
            dry_run=True,
            report=lambda kind, page: seen.extend(page),
        )
    # then
    assert summary.count("digest") == 1
    assert [d.period_key for d in seen] == ["digest:daily:2026-03-10"]
    assert not ReminderDelivery.objects.exists()


def test_local_clocks_group_zones_that_read_the_same_hour():
    clocks = reminder_selectors.local_clocks(
        zones=["Europe/London", "Europe/Lisbon", "Asia/Kolkata", "Not/AZone"],
        now=utc(2026, 1, 15, 8, 40),
    )
    assert [(c.zones, c.date, c.hour) for c in clocks] == [
        (("Europe/Lisbon", "Europe/London"), dt.date(2026, 1, 15), 8),
        (("Asia/Kolkata",), dt.date(2026, 1, 15), 14),
    ]
