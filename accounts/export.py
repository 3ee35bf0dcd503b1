"""Everything a learner owns, as one JSON document or as a zip of CSV files, written as it
streams: rows are read in chunks and sent on, so memory holds one chunk whatever the account's
size. The tables and their columns come from the ownership registry; `export_json_schema()`
describes the JSON document and is published next to the download.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from accounts.models import User
from accounts.ownership import LEARNER_OWNED, OwnedTable
from core.spreadsheet import csv_writer

FORMAT_NAME = "careerpath-export"
FORMAT_VERSION = 1
CHUNK_ROWS = 500
_encoder = DjangoJSONEncoder(ensure_ascii=False)


def _rows(table: OwnedTable, learner: User) -> Iterator[dict]:
    # One query per table; iterator() keeps only a chunk in memory (a server-side cursor on
    # PostgreSQL).
    yield from table.rows_of(learner).values(*table.fields).iterator(chunk_size=CHUNK_ROWS)


def export_json_chunks(*, learner: User, now: dt.datetime) -> Iterator[bytes]:
    """The JSON document, a few rows at a time:
    `{"format", "version", "exported_at", "learner_id", "tables": {name: [row, ...], ...}}`."""
    head = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "exported_at": now,
        "learner_id": learner.pk,
    }
    yield (_encoder.encode(head)[:-1] + ', "tables": {').encode()
    for index, table in enumerate(LEARNER_OWNED):
        parts = [", " if index else "", _encoder.encode(table.name), ": ["]
        for count, row in enumerate(_rows(table, learner)):
            parts.append((", " if count else "") + _encoder.encode(row))
            if len(parts) >= 100:
                yield "".join(parts).encode()
                parts = []
        parts.append("]")
        yield "".join(parts).encode()
    yield b"}}\n"


# --- CSV -----------------------------------------------------------------------------------


def _csv_value(value) -> str | int | Decimal:
    # Numbers stay numbers, so the writer keeps a negative one readable; text it neutralises.
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | int | str):
        return value
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)  # JSON fields


class _Pipe(io.RawIOBase):
    """A write-only, unseekable file: zipfile writes into it and the generator drains it.
    zipfile handles unseekable output by writing each entry's sizes after its data."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def export_csv_zip_chunks(*, learner: User, now: dt.datetime) -> Iterator[bytes]:
    """A zip with one `<table>.csv` per registry table (header row, then the learner's rows),
    every cell safe to open in a spreadsheet (core/spreadsheet.py)."""
    pipe = _Pipe()
    stamp = now.astimezone(dt.UTC).timetuple()[:6]
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in LEARNER_OWNED:
            info = zipfile.ZipInfo(f"{table.name}.csv", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            with (
                archive.open(info, mode="w") as entry,
                io.TextIOWrapper(entry, encoding="utf-8", newline="") as text,
            ):
                writer = csv_writer(text)  # spreadsheet-safe: no cell runs as a formula
                writer.writerow(table.fields)
                for count, row in enumerate(_rows(table, learner), start=1):
                    writer.writerow([_csv_value(row[f]) for f in table.fields])
                    if count % CHUNK_ROWS == 0:
                        text.flush()
                        yield pipe.drain()
            yield pipe.drain()
    yield pipe.drain()


# --- The JSON document's schema --------------------------------------------------------------


def _label_field(model: type[models.Model], path: str) -> tuple[models.Field, bool]:
    """The field a label such as "milestone__step__path__slug" reads, and whether it can be
    null (it is when any relation on the way can be empty)."""
    *hops, last = path.split("__")
    nullable = False
    for hop in hops:
        relation = model._meta.get_field(hop)
        nullable = nullable or relation.null
        model = relation.related_model
    field = model._meta.get_field(last)
    return field, nullable or field.null


def _json_type(field: models.Field, *, nullable: bool) -> dict:
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    if isinstance(field, models.BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, models.AutoField | models.IntegerField):
        schema = {"type": "integer"}
    elif isinstance(field, models.DateTimeField):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(field, models.DateField):
        schema = {"type": "string", "format": "date"}
    elif isinstance(field, models.DecimalField):
        schema = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
    elif isinstance(field, models.JSONField):
        return {"description": "Any JSON value."}
    else:
        schema = {"type": "string"}
    if nullable:
        schema["type"] = [schema["type"], "null"]
    return schema


def _row_schema(table: OwnedTable) -> dict:
    own = {f.attname: f for f in table.model._meta.concrete_fields}
    properties = {}
    for name in table.fields:
        if name in own:
            properties[name] = _json_type(own[name], nullable=own[name].null)
        else:
            field, nullable = _label_field(table.model, name)
            properties[name] = _json_type(field, nullable=nullable)
    return {
        "type": "object",
        "properties": properties,
        "required": list(table.fields),
        "additionalProperties": False,
    }


def export_json_schema() -> dict:
    """A JSON Schema (draft 2020-12) of the JSON export, built from the registry."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "careerpath data export",
        "type": "object",
        "required": ["format", "version", "exported_at", "learner_id", "tables"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": FORMAT_NAME},
            "version": {"const": FORMAT_VERSION},
            "exported_at": {"type": "string", "format": "date-time"},
            "learner_id": {"type": "integer"},
            "tables": {
                "type": "object",
                "required": [t.name for t in LEARNER_OWNED],
                "additionalProperties": False,
                "properties": {
                    t.name: {
                        "description": t.description,
                        "type": "array",
                        "items": _row_schema(t),
                    }
                    for t in LEARNER_OWNED
                },
            },
        },
    }
