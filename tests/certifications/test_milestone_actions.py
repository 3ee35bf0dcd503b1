""" "Track PMP" from a milestone: the tracker gets the certification and links back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from certifications.milestone_actions import catalogue_targets
from certifications.models import LearnerCertification
from tests.certifications.factories import CertificationFactory, pmp
from tests.roadmap.factories import build_roadmap, enrolled_learner, path_milestones

pytestmark = pytest.mark.django_db

BACK = 'data-testid="back-to-milestone"'


@pytest.fixture
def milestone():
    return path_milestones(build_roadmap(steps=1, milestones_per_step=2))[0]


def test_track_from_a_milestone_lands_on_the_tracker_with_the_way_back(client, milestone):
    # given
    certification = pmp(slug="pmp")
    client.force_login(enrolled_learner(milestone.step.path))

    # when: the milestone's "Track PMP" button is pressed (twice: the same tracker)
    response = client.post(reverse("certifications:track", args=["pmp"]), {"from": milestone.pk})
    client.post(reverse("certifications:track", args=["pmp"]), {"from": milestone.pk})

    # then
    tracked = LearnerCertification.objects.get()
    assert tracked.certification == certification
    assert response.url == f"{tracked.get_absolute_url()}?from={milestone.pk}"
    html = client.get(response.url).content.decode()
    assert BACK in html and f'href="{milestone.get_absolute_url()}"' in html
    assert "Project Management Professional" in html


@pytest.mark.parametrize("value", ["", "x", "12abc", "9" * 30])
def test_a_bad_from_is_ignored(client, milestone, value):
    pmp(slug="pmp")
    client.force_login(enrolled_learner(milestone.step.path))

    response = client.post(reverse("certifications:track", args=["pmp"]), {"from": value})

    tracked = LearnerCertification.objects.get()
    assert response.url == tracked.get_absolute_url()


def test_the_tracker_reads_one_more_query_only_with_from(
    client, milestone, django_assert_max_num_queries
):
    pmp(slug="pmp")
    client.force_login(enrolled_learner(milestone.step.path))
    client.post(reverse("certifications:track", args=["pmp"]))
    tracked = LearnerCertification.objects.get()

    with django_assert_max_num_queries(6 + 1):  # test_views.py pins the page at 6
        response = client.get(f"{tracked.get_absolute_url()}?from={milestone.pk}")
    assert BACK in response.content.decode()


def test_catalogue_targets_come_from_the_file_then_the_published_rows():
    CertificationFactory(slug="admins-own", name="Admin's own", abbreviation="")
    CertificationFactory(slug="withdrawn", is_published=False)

    found = catalogue_targets({"pmp", "azure-ai-900", "admins-own", "withdrawn", "nope"})

    assert found == {"pmp": "PMP", "azure-ai-900": "AI-901", "admins-own": "Admin's own"}
