"""The roadmap data loader and `manage.py loadroadmap`: idempotent upserts that keep progress."""

import copy
import functools
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from roadmap.models import (
    CareerPath,
    Course,
    EvidenceLink,
    Milestone,
    MilestoneProgress,
    MilestoneResource,
    ProgressEvent,
    Step,
)
from roadmap.services.content import ContentError, roadmap_load, roadmap_load_file
from tests.roadmap.factories import (
    CourseFactory,
    EnrollmentFactory,
    EvidenceLinkFactory,
    MilestoneProgressFactory,
    ProgressEventFactory,
    StepFactory,
)

pytestmark = pytest.mark.django_db

DATA_FILE = Path(settings.BASE_DIR) / "roadmap" / "data" / "ai-project-manager.yaml"
WRITES = ("INSERT", "UPDATE", "DELETE")


@functools.cache
def _parsed() -> dict:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def data() -> dict:
    """A private copy of the real data file, for a test to edit."""
    return copy.deepcopy(_parsed())


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)
    ]


def _milestone(data: dict, slug: str) -> dict:
    return next(m for s in data["steps"] for m in s["milestones"] if m["slug"] == slug)


def _progress_snapshot(milestone: Milestone) -> list[tuple]:
    return [
        *MilestoneProgress.objects.filter(milestone=milestone).values_list(
            "pk", "learner_id", "status", "started_at", "target_date", "notes", "updated_at"
        ),
        *ProgressEvent.objects.filter(milestone=milestone).values_list(
            "pk", "learner_id", "kind", "to_status", "occurred_at"
        ),
        *EvidenceLink.objects.filter(progress__milestone=milestone).values_list("pk", "url"),
    ]


def _learner_history_on(milestone: Milestone) -> None:
    progress = MilestoneProgressFactory(milestone=milestone, notes="Half way there.")
    EnrollmentFactory(learner=progress.learner, path=milestone.step.path)
    ProgressEventFactory(learner=progress.learner, milestone=milestone)
    EvidenceLinkFactory(progress=progress)


def _synthetic(milestones: int, *, slug: str = "big-path") -> dict:
    """A valid file of any size: 6 steps, `milestones` milestones, each with two resources."""
    steps = [
        {"slug": f"s{i}", "title": f"Step {i}", "summary": "Summary.", "milestones": []}
        for i in range(6)
    ]
    for n in range(milestones):
        steps[n % 6]["milestones"].append(
            {
                "slug": f"m{n}",
                "title": f"Milestone {n}",
                "why": "Because.",
                "how": ["First.", "Second.", "Third."],
                "kind": "learn",
                "effort_hours": 3,
                "resources": [
                    {"course": f"{slug}-c{n % 10}"},
                    {"link": {"title": "Docs", "url": f"https://docs.example.com/{n}"}},
                ],
            }
        )
    courses = [
        {
            "slug": f"{slug}-c{c}",
            "title": f"Course {c}",
            "provider": "Example",
            "url": f"https://example.com/c{c}",
            "cost": "free" if c % 2 else {"amount": "10.00", "currency": "EUR"},
            "hours": 5,
            "level": "beginner",
            "steps": [f"s{c % 6}"],
        }
        for c in range(10)
    ]
    return {
        "version": 1,
        "path": {"slug": slug, "title": "Big path", "summary": "Big.", "description": "Big."},
        "courses": courses,
        "steps": steps,
    }


# --- Loading the real file ----------------------------------------------------------------------


def test_fresh_load_creates_the_whole_path(django_assert_max_num_queries):
    # given an empty database
    # when the real data file is loaded
    with django_assert_max_num_queries(20):
        report = roadmap_load_file(path=DATA_FILE)

    # then the path, its six steps in file order and every milestone exist
    path = CareerPath.objects.get(slug="ai-project-manager")
    assert path.source_version == "3"
    assert report.paths.created == 1
    assert report.steps.created == 6
    assert [s.slug for s in path.steps.order_by("position")] == [
        "foundation",
        "ai-skills",
        "leadership",
        "credentials",
        "portfolio",
        "applications",
    ]
    assert report.milestones.created >= 30
    assert Milestone.objects.filter(step__path=path).count() == report.milestones.created
    assert report.courses.created == Course.objects.count() == len(_parsed()["courses"])
    assert report.resources.created == MilestoneResource.objects.count() > 0
    assert report.changed


def test_fresh_load_maps_fields(data):
    # when the file is loaded
    roadmap_load(data=data)

    # then "how" is one line per item, positions follow the file, costs are split
    milestone = Milestone.objects.get(slug="ai-development-lifecycle")
    assert milestone.how_steps == _milestone(data, "ai-development-lifecycle")["how"]
    assert milestone.step.slug == "foundation"
    assert milestone.position == 3  # after relevant-degree, ai-big-picture, ai-business-value
    assert milestone.kind == "learn"
    free = Course.objects.get(slug="google-ml-crash-course")
    assert (free.is_free, free.cost_amount, free.cost_currency) == (True, None, "")
    paid = Course.objects.get(slug="pmi-pmp")
    assert (paid.is_free, paid.cost_amount, paid.cost_currency) == (False, Decimal("575.00"), "USD")
    assert {s.slug for s in Course.objects.get(slug="coursera-ml-specialization").steps.all()} == {
        "ai-skills",
        "credentials",
    }
    resources = list(milestone.resources.order_by("position"))
    assert resources[0].course.slug == "google-ml-problem-framing"
    assert resources[1].course is None
    assert resources[1].url == "https://developers.google.com/machine-learning/guides/rules-of-ml"


def test_rerun_changes_nothing_and_issues_no_writes(data):
    # given the file already loaded
    roadmap_load(data=data)

    # when it is loaded again unchanged
    with CaptureQueriesContext(connection) as queries:
        report = roadmap_load(data=copy.deepcopy(data))

    # then everything is reported unchanged, with a handful of reads and not one write
    assert not report.changed
    assert report.milestones.unchanged == Milestone.objects.count()
    assert report.steps.unchanged == 6
    assert report.paths.unchanged == 1
    assert report.resources.unchanged == MilestoneResource.objects.count()
    assert _writes(queries) == []
    assert len(queries) <= 8


@pytest.mark.parametrize("size", [30, 300])
def test_query_count_is_bounded_whatever_the_file_size(size, django_assert_max_num_queries):
    # given a file of `size` milestones
    data = _synthetic(size)

    # when it is loaded fresh, then with every milestone's title changed
    with django_assert_max_num_queries(30):
        report = roadmap_load(data=data)
    for step in data["steps"]:
        for milestone in step["milestones"]:
            milestone["title"] += " (revised)"
    with django_assert_max_num_queries(30):
        second = roadmap_load(data=data)

    # then both loads stayed within the same bound
    assert report.milestones.created == size
    assert second.milestones.updated == size


# --- Changes to the file ------------------------------------------------------------------------


def test_changed_title_updates_in_place(data):
    # given the loaded file
    roadmap_load(data=data)
    before = Milestone.objects.get(slug="neural-networks")

    # when a title changes and the version is bumped
    _milestone(data, "neural-networks")["title"] = "Understand neural networks"
    data["version"] = 4
    report = roadmap_load(data=data)

    # then the same row is updated and nothing else moves
    after = Milestone.objects.get(slug="neural-networks")
    assert after.pk == before.pk
    assert after.title == "Understand neural networks"
    assert report.milestones.updated == 1
    assert report.milestones.created == report.milestones.retired == 0
    assert report.paths.updated == 1
    assert CareerPath.objects.get().source_version == "4"


def test_new_milestone_is_added(data):
    # given the loaded file
    roadmap_load(data=data)
    count = Milestone.objects.count()

    # when the file gains a milestone at the top of the leadership step
    leadership = next(s for s in data["steps"] if s["slug"] == "leadership")
    leadership["milestones"].insert(
        0,
        {
            "slug": "stakeholder-map",
            "title": "Map your stakeholders",
            "why": "Knowing who cares about the outcome shapes every plan.",
            "how": ["List them.", "Rank them.", "Plan how to keep each informed."],
            "kind": "practise",
            "effort_hours": 3,
            "resources": [{"course": "google-project-management"}],
        },
    )
    report = roadmap_load(data=data)

    # then it is created first in its step and the step's others shift down one place
    assert report.milestones.created == 1
    assert Milestone.objects.count() == count + 1
    new = Milestone.objects.get(slug="stakeholder-map")
    assert (new.step.slug, new.position) == ("leadership", 0)
    assert new.resources.get().course.slug == "google-project-management"
    assert Milestone.objects.get(slug="agile-scrum-practice").position == 1
    assert report.milestones.updated == len(leadership["milestones"]) - 1


def test_removed_milestone_is_retired_and_learner_history_kept(data):
    # given the loaded file, and a learner with progress, events and evidence on a milestone
    roadmap_load(data=data)
    milestone = Milestone.objects.get(slug="first-chatbot")
    _learner_history_on(milestone)
    history = _progress_snapshot(milestone)

    # when the milestone is removed from the file
    step = next(s for s in data["steps"] if s["slug"] == "ai-skills")
    step["milestones"] = [m for m in step["milestones"] if m["slug"] != "first-chatbot"]
    report = roadmap_load(data=data)

    # then it is retired, not deleted, and the learner's records are exactly as they were
    milestone.refresh_from_db()
    assert milestone.retired_at is not None
    assert report.milestones.retired == 1
    assert not Milestone.objects.active().filter(slug="first-chatbot").exists()
    assert _progress_snapshot(milestone) == history
    assert len(history) == 3


def test_reappearing_milestone_is_restored(data):
    # given a milestone retired by an earlier load, with a learner's progress on it
    roadmap_load(data=data)
    milestone = Milestone.objects.get(slug="first-chatbot")
    _learner_history_on(milestone)
    history = _progress_snapshot(milestone)
    trimmed = copy.deepcopy(data)
    step = next(s for s in trimmed["steps"] if s["slug"] == "ai-skills")
    step["milestones"] = [m for m in step["milestones"] if m["slug"] != "first-chatbot"]
    roadmap_load(data=trimmed)

    # when it is back in the file
    report = roadmap_load(data=data)

    # then the same row is active again, with the learner's history untouched
    milestone.refresh_from_db()
    assert milestone.retired_at is None
    assert report.milestones.restored == 1
    assert report.milestones.retired == report.milestones.created == 0
    assert _progress_snapshot(milestone) == history


def test_milestone_moved_between_steps_keeps_progress(data):
    # given a loaded milestone with a learner's progress
    roadmap_load(data=data)
    milestone = Milestone.objects.get(slug="python-reading-literacy")
    _learner_history_on(milestone)
    history = _progress_snapshot(milestone)

    # when the file moves it from "foundation" to the end of "ai-skills"
    foundation, ai_skills = data["steps"][0], data["steps"][1]
    moved = _milestone(data, "python-reading-literacy")
    foundation["milestones"].remove(moved)
    ai_skills["milestones"].append(moved)
    report = roadmap_load(data=data)

    # then the same row now sits in the new step, nothing is created or retired
    after = Milestone.objects.get(slug="python-reading-literacy")
    assert after.pk == milestone.pk
    assert (after.step.slug, after.position) == ("ai-skills", len(ai_skills["milestones"]) - 1)
    assert after.retired_at is None
    assert report.milestones.created == report.milestones.retired == 0
    assert _progress_snapshot(after) == history


def test_step_missing_from_file_is_reported_and_its_milestones_retired(data):
    # given the loaded file
    roadmap_load(data=data)

    # when the last step disappears from the file
    gone = data["steps"].pop()
    for course in data["courses"]:
        course["steps"] = [s for s in course["steps"] if s != gone["slug"]]
    for step in data["steps"]:
        for milestone in step["milestones"]:
            milestone["resources"] = milestone.get("resources") or []
    report = roadmap_load(data=data)

    # then the step is kept, reported, and has no active milestones
    assert report.stale_steps == [gone["slug"]]
    assert Step.objects.filter(slug=gone["slug"]).exists()
    assert not Milestone.objects.active().filter(step__slug=gone["slug"]).exists()
    assert report.milestones.retired == len(gone["milestones"])
    assert (
        "steps:      0 created, 0 updated, 5 unchanged, 1 no longer in the file (applications)"
        in "\n".join(report.lines())
    )


def test_courses_keep_their_links_to_other_paths(data):
    # given a file course that an admin also linked to another path's step
    roadmap_load(data=data)
    other_step = StepFactory()
    course = Course.objects.get(slug="google-ml-crash-course")
    course.steps.add(other_step)

    # when the file changes that course's steps and cost
    spec = next(c for c in data["courses"] if c["slug"] == "google-ml-crash-course")
    spec["steps"] = ["foundation"]
    spec["cost"] = {"amount": "19.50", "currency": "GBP"}
    report = roadmap_load(data=data)

    # then its steps in this path follow the file, the other path's link stays
    course.refresh_from_db()
    assert {s.slug for s in course.steps.all()} == {"foundation", other_step.slug}
    assert (course.is_free, course.cost_amount, course.cost_currency) == (
        False,
        Decimal("19.50"),
        "GBP",
    )
    assert report.courses.updated == 1


def test_resources_follow_the_file(data):
    # given the loaded file
    roadmap_load(data=data)

    # when a milestone loses its first resource
    spec = _milestone(data, "machine-learning-basics")
    spec["resources"] = spec["resources"][1:]
    report = roadmap_load(data=data)

    # then its list matches the file, in order
    milestone = Milestone.objects.get(slug="machine-learning-basics")
    assert [r.course.slug for r in milestone.resources.order_by("position")] == [
        "coursera-ml-specialization",
        "kaggle-intro-ml",
    ]
    assert report.resources.retired == 1
    assert report.resources.updated == 2


# --- Invalid files ------------------------------------------------------------------------------


def test_invalid_file_lists_every_problem_and_changes_nothing(data):
    # given the loaded file
    roadmap_load(data=data)
    before = list(Milestone.objects.values_list("pk", "title", "kind", "retired_at"))

    # when a file with a valid edit and several mistakes is loaded
    data["steps"][0]["milestones"][0]["title"] = "A perfectly fine new title"
    data["steps"][2]["milestones"][4]["kind"] = "learning"
    data["steps"][1]["milestones"][0]["resources"].append({"course": "no-such-course"})
    data["steps"][1]["milestones"][1]["resources"].append(
        {"link": {"title": "Insecure", "url": "http://example.com/"}}
    )
    data["steps"][3]["milestones"][1]["slug"] = data["steps"][0]["milestones"][1]["slug"]
    data["courses"][0]["level"] = "expert"
    data["courses"][1]["steps"] = ["nowhere"]
    del data["steps"][4]["milestones"][0]["title"]
    with pytest.raises(ContentError) as raised:
        roadmap_load(data=data)

    # then every problem is listed with its place in the file, and nothing was written
    errors = raised.value.errors
    assert "steps[2].milestones[4]: unknown kind 'learning'" in "\n".join(errors)
    expected = [
        "steps[1].milestones[0].resources[3]: unknown course 'no-such-course'",
        "steps[1].milestones[1].resources[",
        "is not a valid https:// URL",
        "steps[3].milestones[1].slug: duplicate milestone slug 'ai-big-picture'",
        "courses[0]: unknown level 'expert'",
        "courses[1].steps: unknown step 'nowhere'",
        "steps[4].milestones[0]: missing required key 'title'",
    ]
    for fragment in expected:
        assert any(fragment in e for e in errors), fragment
    assert len(errors) == 7
    assert list(Milestone.objects.values_list("pk", "title", "kind", "retired_at")) == before


def test_invalid_yaml_names_the_line(tmp_path):
    # given a file that is not valid YAML
    bad = tmp_path / "broken.yaml"
    bad.write_text("version: 1\npath:\n  slug: [unclosed\n", encoding="utf-8")

    # when it is loaded, then the error names the file and the line
    with pytest.raises(ContentError) as raised:
        roadmap_load_file(path=bad)
    assert "broken.yaml" in raised.value.errors[0]
    assert "line" in raised.value.errors[0]
    assert not CareerPath.objects.exists()


# --- The management command ---------------------------------------------------------------------


def test_command_loads_the_data_folder_and_reports_one_line_per_model(capsys):
    # when the command runs with no arguments, twice
    call_command("loadroadmap")
    first = capsys.readouterr().out
    call_command("loadroadmap")
    second = capsys.readouterr().out

    # then the first run created everything and the second changed nothing
    assert "ai-project-manager.yaml: loaded path 'ai-project-manager' (version 3)" in first
    assert "steps:      6 created, 0 updated, 0 unchanged" in first
    for model in ("paths:", "steps:", "milestones:", "courses:", "resources:"):
        assert sum(line.strip().startswith(model) for line in first.splitlines()) == 1
    assert "milestones: 0 created, 0 updated" in second
    assert Milestone.objects.count() >= 30


def test_command_dry_run_writes_nothing(capsys):
    # when the command runs with --dry-run
    call_command("loadroadmap", str(DATA_FILE), "--dry-run")

    # then it reports what it would create but the database is empty
    out = capsys.readouterr().out
    assert "would load path 'ai-project-manager'" in out
    assert "steps:      6 created" in out
    assert "Dry run: nothing was written." in out
    assert not CareerPath.objects.exists()
    assert not Course.objects.exists()


def test_command_refuses_an_invalid_file_and_loads_no_file(data, tmp_path):
    # given a good file and a bad one
    data["steps"][2]["milestones"][4]["kind"] = "learning"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")

    # when both are loaded together
    with pytest.raises(CommandError) as raised:
        call_command("loadroadmap", str(DATA_FILE), str(bad))

    # then it fails with exit code 1, lists the problem, and not even the good file was loaded
    assert raised.value.returncode == 1
    assert "bad.yaml: steps[2].milestones[4]: unknown kind 'learning'" in str(raised.value)
    assert not CareerPath.objects.exists()


def test_command_exit_code_from_the_shell(data, tmp_path):
    # given a bad file (validation fails before the database is used)
    data["courses"][0]["url"] = "http://insecure.example.com/"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")

    # when manage.py runs it in a real process
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "careerpath.settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "loadroadmap", str(bad)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    # then the process exits non-zero and prints the problem
    assert result.returncode == 1
    assert "courses[0]: URL 'http://insecure.example.com/' is not a valid https:// URL" in (
        result.stderr
    )


def test_course_factory_courses_outside_the_file_are_left_alone(data):
    # given a catalogue course the file does not mention
    other = CourseFactory(title="Hand-made course")

    # when the file is loaded twice
    roadmap_load(data=data)
    roadmap_load(data=data)

    # then that course is untouched
    other.refresh_from_db()
    assert other.title == "Hand-made course"


# --- The file's content against the guide -------------------------------------------------------


def _milestones_by_slug() -> dict[str, dict]:
    return {m["slug"]: m for step in _parsed()["steps"] for m in step["milestones"]}


def test_the_guide_s_big_picture_and_more_ai_certifications_have_milestones_with_resources():
    steps = {step["slug"]: [m["slug"] for m in step["milestones"]] for step in _parsed()["steps"]}
    assert "ai-business-value" in steps["foundation"]
    assert "more-ai-certifications" in steps["credentials"]
    milestones = _milestones_by_slug()
    value = milestones["ai-business-value"]
    text = value["why"] + " ".join(value["how"])
    for phrase in ("return on investment", "success metrics", "goals"):
        assert phrase in text, phrase
    assert len(value["resources"]) >= 2
    links = [r["link"]["url"] for r in milestones["more-ai-certifications"]["resources"]]
    assert any("aws.amazon.com" in u for u in links)
    assert any("azure-ai-fundamentals" in u for u in links)


def test_every_milestone_the_guide_names_has_a_resource():
    milestones = _milestones_by_slug()
    for slug in (
        "emotional-intelligence", "shadow-ai-team", "ai-internship-apprenticeship",
        "portfolio-case-studies", "handling-ambiguity", "cv-action-verbs", "cv-ai-achievements",
        "tailor-cv-keywords",
    ):  # fmt: skip
        assert milestones[slug]["resources"], slug


def test_beginner_milestones_point_to_beginner_material_and_current_addresses():
    data = _parsed()
    milestones = _milestones_by_slug()
    levels = {c["slug"]: c["level"] for c in data["courses"]}
    for step in data["steps"][:1]:  # the foundation step is for beginners
        for milestone in step["milestones"]:
            for resource in milestone["resources"]:
                if "course" in resource:
                    assert levels[resource["course"]] == "beginner", milestone["slug"]
                else:
                    assert "scikit-learn.org" not in resource["link"]["url"], milestone["slug"]
    urls = [c["url"] for c in data["courses"]] + [
        r["link"]["url"] for m in milestones.values() for r in m["resources"] if "link" in r
    ]
    # PyTorch's tutorials moved to docs.pytorch.org
    assert not [u for u in urls if u.startswith("https://pytorch.org/tutorials")]
    # the EU AI Act's official text sits beside the explainer
    risk = [r["link"]["url"] for r in milestones["ai-risk-mitigation"]["resources"] if "link" in r]
    assert "https://eur-lex.europa.eu/eli/reg/2024/1689/oj" in risk
