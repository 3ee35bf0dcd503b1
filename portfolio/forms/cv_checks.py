"""The CV check form: a CV and a job description, each pasted or uploaded (.txt, .docx, .pdf).

Uploaded files are turned into text here, with a size cap and a clear message for a file that
cannot be read; the length cap and the analysis itself are the service's
(portfolio.services.cv_checks).
"""

from __future__ import annotations

import io
import zipfile

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portfolio.models import JobApplication
from portfolio.services.cv_checks import cv_text_clean

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_PDF_PAGES = 20
# A .docx is a zip; its parts are read into memory, so their unpacked size is capped too (a
# small file can unpack to gigabytes).
MAX_DOCX_UNPACKED_BYTES = 20 * 1024 * 1024
UPLOAD_TYPES = ".txt,.docx,.pdf,text/plain,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document"  # noqa: E501


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def _txt(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _("This text file is not UTF-8. Save it as UTF-8 text, or paste its text instead."),
            code="encoding",
        ) from None


def _docx(data: bytes) -> str:
    import docx  # python-docx; imported here so the analysis never loads it

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValidationError(_("This is not a Word (.docx) file."), code="not_docx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_DOCX_UNPACKED_BYTES:
            raise ValidationError(
                _("This Word file unpacks to too much data to read. Paste its text instead."),
                code="too_big",
            )
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # any failure of a third-party parser on an untrusted file means "unreadable"
        raise ValidationError(
            _("This Word file could not be read. Save it again as .docx, or paste its text."),
            code="unreadable",
        ) from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    if not data.startswith(b"%PDF-"):
        raise ValidationError(_("This is not a PDF file."), code="not_pdf")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                _("This PDF is protected by a password. Paste its text instead."),
                code="encrypted",
            )
        pages = reader.pages
        if len(pages) > MAX_PDF_PAGES:
            raise ValidationError(
                _("This PDF has %(pages)s pages; the check reads at most %(max)s."),
                params={"pages": len(pages), "max": MAX_PDF_PAGES},
                code="too_many_pages",
            )
        text = "\n".join(page.extract_text() or "" for page in pages)
    except ValidationError:
        raise
    except Exception:  # any failure of a third-party parser on an untrusted file means "unreadable"
        raise ValidationError(
            _("This PDF could not be read. Paste its text instead."), code="unreadable"
        ) from None
    if not text.strip():
        raise ValidationError(
            _("We found no text in this PDF: it may be a scanned image. Paste the text instead."),
            code="no_text",
        )
    return text


READERS = {".txt": _txt, ".docx": _docx, ".pdf": _pdf}


def text_from_upload(upload: UploadedFile) -> str:
    """The text of an uploaded .txt, .docx or .pdf file, or a ValidationError saying why not."""
    name = (upload.name or "").lower()
    suffix = next((s for s in READERS if name.endswith(s)), None)
    if suffix is None:
        raise ValidationError(
            _("Upload a .txt, .docx or .pdf file (a .doc from old Word versions cannot be read)."),
            code="file_type",
        )
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("This file is %(size)s MB; upload at most %(max)s MB, or paste the text."),
            params={"size": _megabytes(upload.size), "max": _megabytes(MAX_UPLOAD_BYTES)},
            code="file_size",
        )
    return READERS[suffix](upload.read())


class CVCheckForm(forms.Form):
    application = forms.ModelChoiceField(
        label=gettext_lazy("For the application"),
        queryset=JobApplication.objects.none(),
        required=False,
        empty_label=gettext_lazy("None: a job I have not saved"),
        help_text=gettext_lazy("The check is kept with the application and listed on its page."),
    )
    cv_text = forms.CharField(
        label=gettext_lazy("Your CV as text"),
        required=False,
        # No max_length: a browser would cut a long paste silently at the textarea's maxlength;
        # the service refuses a long text with its length instead.
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=gettext_lazy("Paste it, or give a file below."),
    )
    cv_file = forms.FileField(
        label=gettext_lazy("Or your CV as a file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_TYPES}),
        help_text=gettext_lazy(".txt, .docx or .pdf, at most 2 MB."),
    )
    job_text = forms.CharField(
        label=gettext_lazy("The job description as text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=gettext_lazy("The whole advert, with its requirements."),
    )
    job_file = forms.FileField(
        label=gettext_lazy("Or the job description as a file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_TYPES}),
        help_text=gettext_lazy(".txt, .docx or .pdf, at most 2 MB."),
    )

    PARTS = (("cv", "cv_text", "cv_file"), ("job", "job_text", "job_file"))

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = applications

    def clean(self):
        data = super().clean()
        for part, text_field, file_field in self.PARTS:
            if text_field in self.errors or file_field in self.errors:
                continue
            text, upload = (data.get(text_field) or "").strip(), data.get(file_field)
            if upload and text:
                self.add_error(
                    file_field, _("Paste the text or upload a file, not both: clear one of them.")
                )
                continue
            if upload:
                try:
                    text = text_from_upload(upload)
                except ValidationError as error:
                    self.add_error(file_field, error)
                    continue
                # A browser cannot refill a file input, so if the page comes back with an
                # error elsewhere, the file's text is shown in the text box instead.
                self.data = self.data.copy()
                self.data[text_field] = text
            try:
                data[text_field] = cv_text_clean(text, part=part)
            except ValidationError as error:
                self.add_error(text_field, error)
        return data
