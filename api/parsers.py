"""The API's JSON parser: DRF's, plus a nesting-depth limit and no NUL character in any string
or name (core.input_guard), each refused as a JSON 400 before a view sees the body."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from core.input_guard import NUL, nul_refusal

# Far deeper than any body the API documents (an object holding a list of numbers), far below
# where Python's own parser gives up with a RecursionError (about a thousand levels).
MAX_DEPTH = 20


def _too_deep() -> ParseError:
    return ParseError(_("The JSON is nested more than %(max)d levels deep.") % {"max": MAX_DEPTH})


def _check(value: object) -> None:
    """Walks the parsed body without recursion: no container deeper than MAX_DEPTH, no NUL."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                raise ParseError(nul_refusal())
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise _too_deep()
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


class GuardedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise _too_deep() from None
        _check(data)
        return data
