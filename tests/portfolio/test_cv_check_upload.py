"""Uploading the CV or the job description as .txt, .docx or .pdf: small files generated in the
test, each read into the analysis; unreadable, oversized and mismatched files are refused with
a message and nothing is stored."""

import io
import zipfile

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

from portfolio.forms.cv_checks import MAX_UPLOAD_BYTES
from portfolio.models import CVCheck
from tests.accounts.factories import UserFactory
from tests.portfolio.factories_practice import CV, JOB

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_bytes(*lines: str) -> bytes:
    """A one-page PDF showing `lines` in Helvetica, written by hand (objects and cross-reference
    table), so the test needs no PDF-writing library."""
    text = " ".join(
        f"({line.replace('(', '[').replace(')', ']')}) Tj 0 -16 Td" for line in lines
    ).encode("latin-1")
    content = b"BT /F1 11 Tf 72 740 Td " + text + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def docx_bytes(*paragraphs: str, table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def post(client, **data):
    fields = {"application": "", "cv_text": "", "job_text": ""}
    fields.update(data)
    return client.post(reverse("portfolio:cv_check_new"), fields)


@pytest.fixture
def learner(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_a_pdf_cv_is_read(client, learner):
    # given: the generated PDF reads back as text
    data = pdf_bytes("Sam Example, Project Manager", "Ran Scrum sprints and MLOps for ML models")
    assert "MLOps" in PdfReader(io.BytesIO(data)).pages[0].extract_text()

    # when
    response = post(
        client, cv_file=SimpleUploadedFile("cv.pdf", data, "application/pdf"), job_text=JOB
    )

    # then
    assert response.status_code == 302
    check = CVCheck.objects.get(learner=learner)
    assert "Ran Scrum sprints and MLOps" in check.cv_text
    present = {t["slug"] for t in check.result["present"]}
    assert {"scrum", "mlops", "machine-learning", "project-management"} <= present


def test_a_docx_cv_is_read_with_its_tables(client, learner):
    data = docx_bytes(
        "Sam Example, Project Manager",
        "Led a team delivering ML models.",
        table=[["Skills", "Python, SQL"], ["Tools", "Jira"]],
    )
    response = post(client, cv_file=SimpleUploadedFile("cv.docx", data, DOCX), job_text=JOB)

    assert response.status_code == 302
    check = CVCheck.objects.get(learner=learner)
    assert "Led a team delivering ML models." in check.cv_text
    assert "Skills\tPython, SQL" in check.cv_text
    # JOB asks for "Python or SQL": one requirement, which the CV meets
    assert {"python-or-sql", "jira"} <= {t["slug"] for t in check.result["present"]}


@pytest.mark.parametrize(
    "data",
    [
        CV.encode("utf-8"),
        b"\xef\xbb\xbf" + CV.encode("utf-8"),  # with a byte-order mark
        CV.encode("utf-16"),
    ],
)
def test_a_text_file_is_read(client, learner, data):
    response = post(client, cv_file=SimpleUploadedFile("cv.txt", data), job_text=JOB)

    assert response.status_code == 302
    assert CVCheck.objects.get(learner=learner).cv_text == CV.strip()


def test_a_files_text_is_kept_in_the_form_when_the_other_part_is_missing(client, learner):
    # when: the job description is uploaded but the CV is forgotten
    response = post(client, job_file=SimpleUploadedFile("job.txt", JOB.encode()))

    # then: the page says what is missing, and shows the file's text in the job's text box
    # (a browser cannot refill a file input), so sending again needs no second upload
    assert response.status_code == 200
    assert "Paste your CV or upload it." in response.content.decode()
    assert response.context["form"]["job_text"].value() == JOB
    assert not CVCheck.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("cv.doc", b"\xd0\xcf\x11\xe0 old word", "Upload a .txt, .docx or .pdf file"),
        ("cv.pdf", b"not a pdf at all", "This is not a PDF file."),
        ("cv.pdf", b"%PDF-1.4 broken beyond repair", "This PDF could not be read."),
        ("cv.docx", b"PK but not a zip", "This is not a Word (.docx) file."),
        ("cv.txt", "Café".encode("latin-1"), "This text file is not UTF-8."),
        ("cv.txt", b"x" * (MAX_UPLOAD_BYTES + 1), "This file is 2.0 MB; upload at most 2.0 MB"),
    ],
)
def test_unreadable_files_are_refused_with_a_message(client, learner, name, data, message):
    response = post(client, cv_file=SimpleUploadedFile(name, data), job_text=JOB)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CVCheck.objects.exists()


def test_a_pdf_without_text_or_with_a_password_is_refused(client, learner):
    blank = PdfWriter()
    blank.add_blank_page(612, 792)
    out = io.BytesIO()
    blank.write(out)
    response = post(client, cv_file=SimpleUploadedFile("scan.pdf", out.getvalue()), job_text=JOB)
    assert "We found no text in this PDF" in response.content.decode()

    locked = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes("Scrum"))))
    locked.encrypt("secret")
    out = io.BytesIO()
    locked.write(out)
    response = post(client, cv_file=SimpleUploadedFile("cv.pdf", out.getvalue()), job_text=JOB)
    assert "protected by a password" in response.content.decode()
    assert not CVCheck.objects.exists()


def test_a_docx_that_unpacks_to_too_much_is_refused(client, learner):
    # given: a small zip whose one part unpacks to 25 MB of zeros
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"0" * (25 * 1024 * 1024))
    assert len(out.getvalue()) < MAX_UPLOAD_BYTES

    response = post(client, cv_file=SimpleUploadedFile("cv.docx", out.getvalue()), job_text=JOB)

    assert "unpacks to too much data" in response.content.decode()
    assert not CVCheck.objects.exists()


def test_text_and_a_file_for_the_same_part_is_refused(client, learner):
    response = post(
        client, cv_text=CV, cv_file=SimpleUploadedFile("cv.txt", b"Other CV"), job_text=JOB
    )
    assert "not both" in response.content.decode()
    assert not CVCheck.objects.exists()


def test_an_uploaded_text_over_the_cap_is_refused_with_its_length(client, learner):
    data = ("Scrum " * 10_000).encode()  # 60,000 characters, well under 2 MB
    response = post(client, cv_file=SimpleUploadedFile("cv.txt", data), job_text=JOB)
    assert "Your CV is 59,999 characters long" in response.content.decode()
    assert not CVCheck.objects.exists()
