"""The hot pages' bodies gathered in one buffer (a block `{% set %}`) and printed once: the same
bytes as the templates without the buffer, for every kind of learner, and each buffered body
still printed as one piece, so the saving cannot go away unnoticed.

Why: Jinja2 compiles a block's output to one `yield` a piece (each literal run and each
`{{ }}`), and each piece is passed up through every template above it: the page's block, the
page, base.html, and an include's own loop: three or four generator resumes a piece, some 230
pieces on the dashboard. Inside a block `set` the same pieces are appended to a list, and the
block yields once."""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager

import jinja2
import pytest
from django.template import engines
from django.urls import reverse

from roadmap.models import MilestoneProgress, ProgressStatus
from roadmap.services import plan as plan_services
from roadmap.services import progress as services
from tests.accounts.factories import UserFactory
from tests.roadmap.factories import (
    EvidenceLinkFactory,
    build_roadmap,
    enrolled_learner,
    path_milestones,
)

pytestmark = pytest.mark.django_db

# Each buffered template, the variable its body is gathered in, the function of the compiled
# template that prints it (a page's content block, a partial's root) and the pieces that function
# yields: the buffer, and a partial's last newline (the file's, kept as Django keeps it).
BUFFERED = {
    "roadmap/dashboard.html": ("dashboard_body", "block_content", 1),
    "roadmap/step_detail.html": ("step_body", "block_content", 1),
    "roadmap/milestone_detail.html": ("milestone_body", "block_content", 1),
    "roadmap/partials/heatmap.html": ("heatmap_markup", "root", 2),
    "roadmap/partials/path_map.html": ("map_markup", "root", 2),
    "roadmap/partials/this_week.html": ("week_markup", "root", 2),
    "roadmap/partials/milestone_status.html": ("status_markup", "root", 2),
}

# Django masks the CSRF token afresh for every response; all else must be the same bytes.
CSRF = re.compile(rb'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"')


def environment() -> jinja2.Environment:
    return engines["jinja2"].env


def source_of(name: str) -> str:
    env = environment()
    return env.loader.get_source(env, name)[0]


def without_buffer(name: str) -> str:
    """The template as it was before its body was buffered: the `set` and its print taken out."""
    variable, _function, _pieces = BUFFERED[name]
    source = source_of(name)
    opening, closing = "{% set " + variable + " %}", "{% endset %}{{ " + variable + " }}"
    assert source.count(opening) == 1 and source.count(closing) == 1, name
    return source.replace(opening, "").replace(closing, "")


@contextmanager
def unbuffered_templates() -> Iterator[None]:
    """Every template of BUFFERED loaded without its buffer while inside."""
    env = environment()
    original = env.loader
    plain = jinja2.DictLoader({name: without_buffer(name) for name in BUFFERED})
    env.loader = jinja2.ChoiceLoader([plain, original])
    env.cache.clear()
    try:
        yield
    finally:
        env.loader = original
        env.cache.clear()


def _content(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return CSRF.sub(rb"\1token", response.content)


@pytest.fixture
def learners():
    """A learner well under way (done, skipped, in progress, overdue and due-soon target dates,
    evidence, a plan), one who has just enrolled, one on no path, and a visitor (None)."""
    path = build_roadmap(steps=3, milestones_per_step=4, courses_per_step=1)
    milestones = path_milestones(path)
    busy = enrolled_learner(path, email="busy@example.com")
    for milestone, status in zip(
        milestones,
        [ProgressStatus.DONE, ProgressStatus.DONE, ProgressStatus.SKIPPED]
        + [ProgressStatus.IN_PROGRESS] * 3,
        strict=False,
    ):
        services.milestone_status_set(learner=busy, milestone=milestone, status=status)
    today = dt.date.today()
    for offset, milestone in zip([-3, 2, 30], milestones[3:6], strict=True):
        MilestoneProgress.objects.filter(learner=busy, milestone=milestone).update(
            target_date=today + dt.timedelta(days=offset)
        )
    EvidenceLinkFactory(progress=busy.milestone_progress.get(milestone=milestones[3]))
    plan_services.plan_settings_set(learner=busy, hours_per_week=6, weekdays=[0, 2])
    starting = enrolled_learner(path, email="starting@example.com")
    outsider = UserFactory(email="outsider@example.com")
    who = {"busy": busy, "starting": starting, "outsider": outsider, "visitor": None}
    return who, milestones[3]


def test_the_buffered_pages_print_the_bytes_of_the_templates_without_the_buffer(
    client, settings, learners
):
    # given: the dashboard rendered afresh at every view, four kinds of visitor
    settings.DASHBOARD_CACHE_SECONDS = 0
    who, milestone = learners
    urls = [
        reverse("roadmap:dashboard"),
        milestone.step.get_absolute_url(),
        milestone.get_absolute_url(),
        milestone.step.path.get_absolute_url(),
    ]

    def pages() -> dict[str, list[bytes]]:
        seen = {}
        for name, learner in who.items():
            client.logout()
            if learner is not None:
                client.force_login(learner)
            # a visitor is sent to sign in from the dashboard
            seen[name] = [_content(client, url) for url in (urls if learner else urls[1:])]
        return seen

    # when: each sees the pages as they are, and from the templates without their buffers
    buffered = pages()
    with unbuffered_templates():
        plain = pages()

    # then: the same bytes, and the pages showed what the buffers hold
    assert buffered == plain
    dashboard, step_page, milestone_page, _path_page = buffered["busy"]
    assert b'id="this-week"' in dashboard and b'class="heatmap"' in dashboard
    assert b'id="overdue-list"' in dashboard and b'id="due-soon-list"' in dashboard
    assert b'data-testid="path-map"' in dashboard
    assert b'id="milestone-status"' in milestone_page
    assert milestone.title.encode() in step_page


def _yields_in(function: ast.FunctionDef) -> int:
    # `if 0: yield None`, which Jinja2 writes to make every function a generator, is not output
    return sum(
        1
        for node in ast.walk(function)
        if isinstance(node, ast.Yield | ast.YieldFrom)
        and not (
            isinstance(node, ast.Yield)
            and isinstance(node.value, ast.Constant)
            and node.value.value is None
        )
    )


@pytest.mark.parametrize("name", sorted(BUFFERED))
def test_each_buffered_body_is_printed_as_one_piece(name):
    # given: the template compiled as Jinja2 compiles it for a page
    env = environment()
    _variable, function_name, pieces = BUFFERED[name]
    code = ast.parse(env.compile(source_of(name), name, raw=True))

    # when: the function that prints the body is looked at
    (function,) = [
        node
        for node in code.body
        if isinstance(node, ast.FunctionDef) and node.name == function_name
    ]

    # then: it yields the buffer (and a partial's last newline); any output outside the buffer
    # is a yield of its own
    assert _yields_in(function) == pieces, (
        f"{name}: {function_name} yields {_yields_in(function)} pieces: output was added "
        "outside the buffer (`{% set %}` … `{% endset %}`)"
    )


def test_the_piece_count_fails_a_template_with_output_outside_its_buffer():
    env = environment()
    source = (
        "{% block content %}{% set body %}<p>{{ a }}</p>{% endset %}{{ body }}"
        "<i>{{ b }}</i>{% endblock %}"
    )
    code = ast.parse(env.compile(source, "t.html", raw=True))
    (block,) = [
        n for n in code.body if isinstance(n, ast.FunctionDef) and n.name == "block_content"
    ]
    assert _yields_in(block) == 4  # the buffer, <i>, b and </i>
