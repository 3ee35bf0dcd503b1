"""The roadmap's addresses come from reverse() remembered per process (core.addresses.url): the
models' get_absolute_url(), the map's links and the rows' links answer as reverse() does under
any script prefix, and a dashboard seen again reverses nothing afresh."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import URLResolver, get_script_prefix, reverse, set_script_prefix

from roadmap.presenters.addresses import milestone_url_maker
from roadmap.presenters.path_map import milestone_addresses, path_map
from roadmap.selectors.progress import learner_overview
from tests.roadmap.factories import build_roadmap, enrolled_learner, path_milestones

pytestmark = pytest.mark.django_db


@pytest.fixture
def script_prefix():
    before = get_script_prefix()
    yield set_script_prefix
    set_script_prefix(before)


def test_addresses_answer_as_reverse_under_any_script_prefix(script_prefix):
    path = build_roadmap(steps=2, milestones_per_step=2)
    learner = enrolled_learner(path)
    milestone = path_milestones(path)[-1]
    step = milestone.step

    for prefix in ("/", "/learn/", "/"):
        # given: the site mounted at `prefix`
        script_prefix(prefix)
        outline = learner_overview(learner=learner, today=dt.date(2026, 12, 6)).paths[0]

        # when
        drawn = path_map(outline=outline, today=dt.date(2026, 12, 6))

        # then
        kwargs = {"path_slug": path.slug, "step_slug": step.slug, "milestone_slug": milestone.slug}
        assert milestone.get_absolute_url() == reverse("roadmap:milestone_detail", kwargs=kwargs)
        assert milestone.get_absolute_url().startswith(prefix)
        assert step.get_absolute_url() == reverse(
            "roadmap:step_detail", kwargs={"path_slug": path.slug, "step_slug": step.slug}
        )
        assert path.get_absolute_url() == reverse(
            "roadmap:path_detail", kwargs={"path_slug": path.slug}
        )
        assert drawn.url == path.get_absolute_url()
        assert [s.url for s in drawn.steps] == [s.step.get_absolute_url() for s in outline.steps]
        assert [n.url for s in drawn.steps for n in s.nodes] == [
            m.milestone.get_absolute_url() for m in outline.milestones
        ]
        status = milestone_url_maker(step, "roadmap:milestone_status")
        assert status(milestone.slug) == reverse("roadmap:milestone_status", kwargs=kwargs)
        # and the dashboard's links, from one url() a path (path_url_parts)
        assert milestone_addresses([outline]) == {
            m.milestone.id: m.milestone.get_absolute_url() for m in outline.milestones
        }
        assert milestone_addresses([outline])[milestone.id].startswith(prefix)


def test_a_dashboard_drawn_again_reverses_nothing_afresh(client, settings, monkeypatch):
    # given: a learner with progress, and the dashboard drawn once (addresses remembered)
    settings.DASHBOARD_CACHE_SECONDS = 0
    path = build_roadmap(steps=3, milestones_per_step=3)
    learner = enrolled_learner(path)
    client.force_login(learner)
    for milestone in path_milestones(path)[:4]:
        client.post(
            reverse(
                "roadmap:milestone_status",
                kwargs={
                    "path_slug": path.slug,
                    "step_slug": milestone.step.slug,
                    "milestone_slug": milestone.slug,
                },
            ),
            {"status": "done"},
        )
    assert client.get(reverse("roadmap:dashboard")).status_code == 200
    reversed_afresh = []
    real = URLResolver._reverse_with_prefix

    def counting(self, lookup_view, *args, **kwargs):
        reversed_afresh.append(lookup_view)
        return real(self, lookup_view, *args, **kwargs)

    monkeypatch.setattr(URLResolver, "_reverse_with_prefix", counting)

    # when: drawn again (afresh: the page cache is off)
    url = reverse("roadmap:dashboard")  # the test's own, before counting what the page does
    reversed_afresh.clear()
    response = client.get(url)

    # then
    assert response.status_code == 200
    assert reversed_afresh == []
