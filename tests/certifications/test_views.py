"""Certification pages through HTTP: filters, comparison, tracker forms, privacy, query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from certifications.models import CertStatus, CreditActivity, LearnerCertification, add_months
from tests.accounts.factories import UserFactory
from tests.certifications.factories import (
    CertificationFactory,
    CreditActivityFactory,
    LearnerCertificationFactory,
    category,
    csm,
    pmp,
)
from tests.roadmap.factories import MilestoneFactory

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"certifications:{name}", args=args)


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_catalogue_filters_by_cost_hours_issuer_and_renewal(client):
    # given
    cheap = CertificationFactory(name="Cheap one", cost_amount=50, prep_hours=5)
    member = CertificationFactory(
        name="Member deal", cost_amount=500, member_cost_amount=90, prep_hours=40
    )
    lasting = CertificationFactory(name="Lasting", issuer="Other", cost_amount=300)
    expiring = csm(cost_amount=400)

    def names(**params):
        response = client.get(url("catalogue"), params)
        assert response.status_code == 200
        return {c.name for c in response.context["certifications"]}

    # then
    assert names() == {cheap.name, member.name, lasting.name, expiring.name}
    assert b"Log in to track it" in client.get(url("catalogue")).content
    assert names(max_cost="100") == {cheap.name, member.name}
    assert names(max_hours="10") == {cheap.name}
    assert names(issuer="Other") == {lasting.name}
    assert names(renews="yes") == {expiring.name}
    assert expiring.name not in names(renews="no")


def test_invalid_filters_show_everything_with_the_error(client):
    CertificationFactory()
    response = client.get(url("catalogue"), {"max_cost": "-5"})
    assert response.status_code == 200 and len(response.context["certifications"]) == 1
    assert response.context["form"].errors


def test_compare_shows_two_or_three_side_by_side(client):
    a, b, c, d = (CertificationFactory() for _ in range(4))
    response = client.get(url("compare"), {"c": [a.slug, b.slug, c.slug]})
    assert response.status_code == 200
    assert [x.pk for x in response.context["certifications"]] == [a.pk, b.pk, c.pk]
    response = client.get(url("compare"), {"c": [a.slug]}, follow=True)
    assert "two or three" in messages_of(response)
    response = client.get(url("compare"), {"c": [a.slug, b.slug, c.slug, d.slug]}, follow=True)
    assert "two or three" in messages_of(response)


def test_tracker_pages_need_a_login(client):
    response = client.get(url("mine"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    tracked = LearnerCertificationFactory(
        certification=csm(), status="earned", earned_on=dt.date(2025, 1, 1)
    )
    response = client.post(url("tracker_renew", tracked.pk), {"previous_expires_on": ""})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_track_from_the_catalogue_then_earn_and_log_credits(client):
    # given
    learner = UserFactory()
    client.force_login(learner)
    cert = pmp()
    milestone = MilestoneFactory()
    cert.milestones.add(milestone)

    # when: tracked from the catalogue
    response = client.post(url("track", cert.slug))
    tracked = LearnerCertification.objects.get(learner=learner, certification=cert)
    assert response.status_code == 302 and response["Location"] == tracked.get_absolute_url()

    # and marked earned
    earned_on = timezone.localdate() - dt.timedelta(days=30)
    response = client.post(
        url("tracker_status", tracked.pk),
        {"status": "earned", "earned_on": earned_on.isoformat(), "credential_id": "X1"},
        follow=True,
    )
    assert "Status saved" in messages_of(response)
    assert milestone.progress.get(learner=learner).status == "done"

    # and credits logged
    response = client.post(
        url("credit_add", tracked.pk),
        {
            "date": earned_on.isoformat(),
            "credits": "10",
            "category": category(cert, "power-skills").pk,
            "description": "Leadership course",
            "evidence_url": "https://example.com/cert.pdf",
        },
        follow=True,
    )

    # then: the renewal bar shows them
    assert "Credits logged" in messages_of(response)
    row = response.context["row"]
    assert row.renewal.counted == 10 and row.renewal.verdict == "on_track"
    assert b'<progress max="60" value="10"' in response.content


def test_bad_input_over_http_changes_nothing_with_a_message(client):
    learner = UserFactory()
    client.force_login(learner)
    tracked = LearnerCertificationFactory(learner=learner, certification=csm(), status="studying")
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()

    response = client.post(
        url("tracker_status", tracked.pk), {"status": "earned", "earned_on": future}, follow=True
    )
    assert "in the future" in messages_of(response)
    tracked.refresh_from_db()
    assert tracked.status == "studying"

    earned_on = timezone.localdate() - dt.timedelta(days=10)
    tracked.status, tracked.earned_on = CertStatus.EARNED, earned_on
    tracked.save()
    response = client.post(
        url("credit_add", tracked.pk),
        {"date": earned_on.isoformat(), "credits": "-3", "description": "x"},
        follow=True,
    )
    assert "more than zero" in messages_of(response)
    response = client.post(
        url("tracker_expiry", tracked.pk),
        {"expires_on": (earned_on - dt.timedelta(days=1)).isoformat(), "notice_days": "30"},
        follow=True,
    )
    assert "before the date earned" in messages_of(response)
    response = client.post(
        url("tracker_status", tracked.pk),
        {"status": "earned", "earned_on": earned_on.isoformat(), "verification_url": "ftp://x.y"},
        follow=True,
    )
    assert "http://" in messages_of(response)
    tracked.refresh_from_db()
    assert tracked.expires_on_override is None and tracked.verification_url == ""
    assert tracked.expiry_notice_days == "60,30,7"  # the refused form changed nothing
    response = client.post(
        url("tracker_expiry", tracked.pk), {"expires_on": "", "notice_days": "0, 400"}, follow=True
    )
    assert "between 1 and 365" in messages_of(response)
    assert not CreditActivity.objects.exists()


def test_a_custom_certification_can_be_added(client):
    learner = UserFactory()
    client.force_login(learner)
    response = client.post(url("track_custom"), {"name": "Company AI licence", "issuer": "ACME"})
    tracked = LearnerCertification.objects.get(learner=learner)
    assert response["Location"] == tracked.get_absolute_url()
    assert tracked.name == "Company AI licence"
    response = client.post(url("track_custom"), {"name": ""}, follow=True)
    assert "Nothing changed" in messages_of(response)
    assert LearnerCertification.objects.count() == 1


def test_another_learners_records_answer_404(client):
    # given: someone else's earned certification with an activity
    other = LearnerCertificationFactory(
        certification=csm(), status="earned", earned_on=dt.date(2025, 1, 1)
    )
    activity = CreditActivityFactory(learner_certification=other)
    mine = LearnerCertificationFactory(learner=UserFactory(), certification=pmp())
    client.force_login(mine.learner)
    today = timezone.localdate().isoformat()

    # then: every address naming them is a 404, and nothing changes
    assert client.get(url("tracker_detail", other.pk)).status_code == 404
    for name, data in [
        ("tracker_status", {"status": "dropped"}),
        ("tracker_expiry", {"expires_on": today, "notice_days": "7"}),
        ("credit_add", {"date": today, "credits": "1", "description": "x"}),
        ("tracker_renew", {"previous_expires_on": "2026-12-31"}),
    ]:
        assert client.post(url(name, other.pk), data).status_code == 404
    assert client.post(url("credit_delete", other.pk, activity.pk)).status_code == 404
    assert client.post(url("credit_delete", mine.pk, activity.pk)).status_code == 404
    other.refresh_from_db()
    assert other.status == "earned" and CreditActivity.objects.filter(pk=activity.pk).exists()


def _fill(learner, n: int) -> LearnerCertification:
    """n tracked PMP-like certifications, each earned with 3 activities; returns the last."""
    earned_on = timezone.localdate() - dt.timedelta(days=100)
    tracked = None
    for _ in range(n):
        cert = pmp()
        CertificationFactory().milestones.add(MilestoneFactory())
        tracked = LearnerCertificationFactory(
            learner=learner, certification=cert, status="earned", earned_on=earned_on
        )
        for slug in ("power-skills", "giving-back", "business-acumen"):
            CreditActivityFactory(
                learner_certification=tracked, date=earned_on, category=category(cert, slug)
            )
    return tracked


@pytest.mark.parametrize("n", [2, 12])
def test_pages_run_a_fixed_number_of_queries(client, n, django_assert_max_num_queries):
    learner = UserFactory()
    last = _fill(learner, n)
    first = LearnerCertification.objects.filter(learner=learner).first()
    client.force_login(learner)
    for address, limit in [
        (url("catalogue"), 7),
        (url("catalogue") + "?renews=yes&max_cost=1000", 7),
        (url("compare") + f"?c={last.certification.slug}&c={first.certification.slug}", 5),
        (url("mine"), 6),
        (url("tracker_detail", last.pk), 6),
        (url("tracker_renew", last.pk), 6),
    ]:
        with django_assert_max_num_queries(limit):
            response = client.get(address)
        assert response.status_code == 200, address


def test_recording_a_renewal_from_the_certification_page(client):
    # given: an earned CSM that expires in 20 days, with its page showing the renewal button
    learner = UserFactory()
    client.force_login(learner)
    today = timezone.localdate()
    tracked = LearnerCertificationFactory(
        certification=csm(), status="earned", earned_on=today - dt.timedelta(days=710)
    )
    tracked.learner = learner
    tracked.save()
    old_expiry = tracked.expires_on
    page = client.get(url("tracker_detail", tracked.pk))
    body = page.content.decode()
    assert "Record renewal" in body
    assert f'href="{url("tracker_renew", tracked.pk)}"' in body

    # when: the learner follows it, a page says what will change, and changes nothing yet
    before = LearnerCertification.objects.values().get(pk=tracked.pk)
    body = client.get(url("tracker_renew", tracked.pk)).content.decode()
    new_expiry = add_months(old_expiry + dt.timedelta(days=1), 24) - dt.timedelta(days=1)
    assert f'name="previous_expires_on" value="{old_expiry.isoformat()}"' in body
    assert f'action="{url("tracker_renew", tracked.pk)}"' in body
    assert str(old_expiry.day) in body and str(new_expiry.year) in body
    assert "Nothing changes until you confirm" in body and "undo" in body
    assert LearnerCertification.objects.values().get(pk=tracked.pk) == before

    # when: the form is posted (no JavaScript needed)
    response = client.post(
        url("tracker_renew", tracked.pk), {"previous_expires_on": old_expiry.isoformat()}
    )

    # then: back on the page, renewed: two years on from the old expiry
    assert response.status_code == 302 and response["Location"] == tracked.get_absolute_url()
    page = client.get(response["Location"])
    assert "Renewal recorded" in messages_of(page) and "new credit cycle" in messages_of(page)
    tracked.refresh_from_db()
    assert tracked.expires_on == new_expiry

    # when: the same form is posted again (a double click)
    again = client.post(
        url("tracker_renew", tracked.pk),
        {"previous_expires_on": old_expiry.isoformat()},
        follow=True,
    )

    # then: refused, still renewed once
    assert "Nothing changed" in messages_of(again) and "has changed since" in messages_of(again)
    tracked.refresh_from_db()
    assert tracked.expires_on == new_expiry


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "studying", "earned_on": None},
        {"certification": "never-expires"},
    ],
)
def test_a_renewal_in_a_bad_state_is_refused_with_a_message(client, fields):
    # given: a certification that is not earned, or never expires: no button on its page
    learner = UserFactory()
    client.force_login(learner)
    fields = dict(fields)
    if fields.get("certification") == "never-expires":
        fields["certification"] = CertificationFactory(validity_months=None)
    tracked = LearnerCertificationFactory(
        **{
            "learner": learner,
            "certification": csm(),
            "status": "earned",
            "earned_on": dt.date(2025, 1, 1),
            **fields,
        }
    )
    assert "Record renewal" not in client.get(url("tracker_detail", tracked.pk)).content.decode()
    before = LearnerCertification.objects.values().get(pk=tracked.pk)

    # when: the form is posted anyway
    response = client.post(
        url("tracker_renew", tracked.pk), {"previous_expires_on": ""}, follow=True
    )

    # then: a clear message, and nothing changed
    assert "Nothing changed" in messages_of(response)
    assert "set it to earned first" in messages_of(response) or "never expires" in messages_of(
        response
    )
    assert LearnerCertification.objects.values().get(pk=tracked.pk) == before
    # and the confirmation page says why, with nothing to confirm
    body = client.get(url("tracker_renew", tracked.pk)).content.decode()
    assert "set it to earned first" in body or "never expires" in body
    assert 'name="previous_expires_on"' not in body


def test_date_fields_show_their_saved_dates_in_the_browsers_iso_format(client):
    # given: an earned certification (the site's language is British English, whose own date
    # format, 01/12/2023, a browser's date picker does not accept and shows as empty)
    tracked = LearnerCertificationFactory(
        status=CertStatus.EARNED, earned_on=dt.date(2023, 12, 1), exam_date=dt.date(2023, 11, 20)
    )
    client.force_login(tracked.learner)
    # when
    page = client.get(url("tracker_detail", tracked.pk)).content.decode()
    # then
    assert 'value="2023-12-01"' in page
    assert 'value="2023-11-20"' in page
    assert "01/12/2023" not in page


def test_no_renewal_is_offered_15_months_early_with_credits_short(client):
    # given: the case, a PMP expiring in 15 months with 55 of its 60 PDUs
    learner = UserFactory()
    client.force_login(learner)
    today = timezone.localdate()
    cert = pmp()
    tracked = LearnerCertificationFactory(
        learner=learner,
        certification=cert,
        status="earned",
        earned_on=add_months(today, -21),
    )
    for slug, credits in [("ways-of-working", 20), ("power-skills", 20), ("business-acumen", 15)]:
        CreditActivityFactory(
            learner_certification=tracked,
            date=today - dt.timedelta(days=10),
            credits=credits,
            category=category(cert, slug),
        )
    before = LearnerCertification.objects.values().get(pk=tracked.pk)

    # when
    page = client.get(url("tracker_detail", tracked.pk)).content.decode()
    confirm = client.get(url("tracker_renew", tracked.pk)).content.decode()
    posted = client.post(
        url("tracker_renew", tracked.pk),
        {"previous_expires_on": tracked.expires_on.isoformat()},
        follow=True,
    )

    # then: not offered, the page says when it will be, and a post anyway changes nothing
    assert f'href="{url("tracker_renew", tracked.pk)}"' not in page
    assert "too early" in page and "55 counted so far" in page
    assert "too early" in confirm and 'name="previous_expires_on"' not in confirm
    assert "Nothing changed" in messages_of(posted) and "too early" in messages_of(posted)
    assert LearnerCertification.objects.values().get(pk=tracked.pk) == before


def test_a_renewal_keeps_its_closed_cycle_on_the_page_and_can_be_undone(client):
    # given: a CSM expiring in 20 days with 15 of its 20 SEUs, renewed from its page
    learner = UserFactory()
    client.force_login(learner)
    today = timezone.localdate()
    tracked = LearnerCertificationFactory(
        learner=learner,
        certification=csm(),
        status="earned",
        earned_on=today - dt.timedelta(days=710),
    )
    CreditActivityFactory(
        learner_certification=tracked, date=today, credits=15, description="Scrum gathering"
    )
    old_expiry = tracked.expires_on
    confirm = client.get(url("tracker_renew", tracked.pk)).content.decode()
    assert "15 of 20 SEUs counted" in confirm and "5 SEUs short" in confirm
    client.post(url("tracker_renew", tracked.pk), {"previous_expires_on": old_expiry.isoformat()})
    tracked.refresh_from_db()
    assert tracked.expires_on > old_expiry

    # when
    page = client.get(url("tracker_detail", tracked.pk)).content.decode()

    # then: the new expiry is shown as renewed, the closed cycle and its credits stay visible
    renewal = tracked.renewals.get()
    assert "(renewed)" in page and "(set by you)" not in page
    assert 'id="renewals-title"' in page and "15 of 20 SEUs" in page
    assert "Scrum gathering" in page
    undo_url = url("renewal_undo", tracked.pk, renewal.pk)
    assert f'action="{undo_url}"' in page

    # when: undone
    response = client.post(undo_url, follow=True)

    # then: back to the old expiry and cycle, the credits still there
    assert "Renewal undone" in messages_of(response)
    tracked.refresh_from_db()
    assert tracked.expires_on == old_expiry and tracked.expires_on_override is None
    assert not tracked.renewals.exists() and tracked.credits.count() == 1
    page = response.content.decode()
    assert 'id="renewals-title"' not in page and "Scrum gathering" in page

    # and a second undo of the same renewal is a 404 (it is gone), changing nothing
    assert client.post(undo_url).status_code == 404
