"""Precompiled layouts: a template rendered once per shape of context, then filled by joins.

A speed-up with a rule: it stands in for a template only while the template just prints its
values with plain {{ value }} and tests them with if / for (see Layouts). A template that does
more is rendered as usual, slower; with REMINDERS_STRICT_LAYOUTS (on under DEBUG and in the
tests) that raises LayoutError instead, so breaking the rule fails CI rather than a log line.
Measured by bench/digest_fanout.py: the digest's two templates were most of a digest's cost.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import re
from collections.abc import Sequence

from django.conf import settings
from django.template.base import TextNode, VariableNode
from django.template.defaulttags import (
    AutoEscapeControlNode,
    CommentNode,
    ForNode,
    IfNode,
    LoadNode,
    TemplateLiteral,
)
from django.template.loader import get_template
from django.template.loader_tags import BlockNode, ExtendsNode
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language

logger = logging.getLogger(__name__)


class LayoutError(Exception):
    """A template given to Layouts does more than print and test its values (strict mode)."""


# A marker: "&" shows whether autoescape escaped it, "vV" whether anything changed its case.
_SLOT = re.compile("\x00(&amp;|&)vV(\\d+)\x00")


class _Token:
    """Kinds of value in a context's shape (see Layouts)."""

    PLAIN = object()  # a string, printed escaped where the template autoescapes
    SAFE = object()  # a string marked safe: printed as it is
    DICT = object()  # then its keys, END, and its values' shapes
    LIST = object()  # then its length and its items' shapes
    END = object()


def _walk(value, values: list[str], shape: list | None, build: bool):
    """Walk a context: append each non-empty string to `values` and (unless shape is None)
    the context's shape to `shape`: the kinds, keys and lengths of its parts, and every value
    that is not a string (it takes part in the output as it is). With `build`, return the
    context with each string replaced by its numbered marker."""
    if isinstance(value, str):
        if not value:
            if shape is not None:
                shape.append("")
            return value
        marker = f"\x00&vV{len(values)}\x00" if build else None
        values.append(value)
        safe = isinstance(value, SafeData)
        if shape is not None:
            shape.append(_Token.SAFE if safe else _Token.PLAIN)
        return mark_safe(marker) if build and safe else marker
    kind = value.__class__
    if kind is dict:
        if shape is not None:
            shape.append(_Token.DICT)
            shape.extend(value)
            shape.append(_Token.END)
        if build:
            return {key: _walk(item, values, shape, build) for key, item in value.items()}
        for item in value.values():
            _walk(item, values, shape, build)
        return None
    if kind is list or kind is tuple:
        if shape is not None:
            shape += (_Token.LIST, len(value))
        if build:
            return [_walk(item, values, shape, build) for item in value]
        for item in value:
            _walk(item, values, shape, build)
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        if shape is not None:
            shape.append(kind)
        return _walk(fields, values, shape, build)
    if shape is not None:
        shape.append(value)
        shape.append(_Token.END)  # a value is never mistaken for a token
    return value


class Layouts:
    """Each digest template, rendered once per shape of email with a marker for every string.

    A digest's strings vary per learner, its shape much less: which lists are empty and how
    long they are, which notes are there. For each shape (and template and language) the
    template is rendered once with numbered markers as its strings; an email then costs a join
    of the ready-made text and its own strings, each escaped exactly where the template escaped
    its marker (a marker holds "&", which autoescape turns into "&amp;"). That is the template's
    own output as long as it only prints these strings and tests them for truth, as the digest
    templates do (the tests compare both ways). A template that does more (e.g. a filter that
    changes a marker) is noticed when a shape is first seen, and rendered as usual from then on.
    """

    MAX_SHAPES = 512
    # The tags a layout can stand in for: text, plain {{ value }}, tags that only choose (by
    # truth) or repeat, literal translations, and a frame extended by name with blocks
    # (reminders/email/base.html);
    # anything else (filters, comparisons, {% with %}...) could compute with a marker instead of
    # the string, so such a template is always rendered as usual.
    _PLAIN_NODES = (
        TextNode,
        VariableNode,
        IfNode,
        ForNode,
        AutoEscapeControlNode,
        CommentNode,
        ExtendsNode,
        BlockNode,
        TranslateNode,
        BlockTranslateNode,
    )

    def __init__(self, *, strict: bool | None = None) -> None:
        self._pieces: dict[tuple, list | None] = {}
        self._suitable: dict[object, bool] = {}
        self._strict = strict

    @property
    def strict(self) -> bool:
        if self._strict is None:
            return getattr(settings, "REMINDERS_STRICT_LAYOUTS", settings.DEBUG)
        return self._strict

    def _slow(self, template, context: dict, why: str) -> str:
        """The template rendered as usual; in strict mode, LayoutError instead."""
        if self.strict:
            raise LayoutError(f"{template.origin.name}: {why}")
        logger.warning("%s %s: rendered without a layout", template.origin.name, why)
        return template.render(context)

    @classmethod
    def _plain_condition(cls, condition) -> bool:
        if condition is None:  # {% else %}
            return True
        if isinstance(condition, TemplateLiteral):
            return not condition.value.filters
        if condition.id in ("and", "or"):
            return cls._plain_condition(condition.first) and cls._plain_condition(condition.second)
        if condition.id == "not":
            return cls._plain_condition(condition.first)
        return False

    @classmethod
    def _plain(cls, nodes) -> bool:
        for node in nodes:
            if node.__class__ is LoadNode:
                continue
            if node.__class__ not in cls._PLAIN_NODES:
                return False
            if isinstance(node, VariableNode):
                if node.filter_expression.filters:
                    return False
            elif isinstance(node, IfNode):
                if not all(
                    cls._plain_condition(condition) and cls._plain(nodelist)
                    for condition, nodelist in node.conditions_nodelists
                ):
                    return False
            elif isinstance(node, ForNode):
                if node.sequence.filters or not (
                    cls._plain(node.nodelist_loop) and cls._plain(node.nodelist_empty)
                ):
                    return False
            elif isinstance(node, TranslateNode):
                # A literal message: the same words for every email of one language (the
                # layouts are kept per language).
                expression = node.filter_expression
                literal = getattr(expression.var, "literal", None)
                if node.asvar or expression.filters or not isinstance(literal, str):
                    return False
            elif isinstance(node, BlockTranslateNode):
                # Its values are printed as {{ value }} is (a count is part of the shape).
                expressions = [*node.extra_context.values(), node.counter]
                if node.asvar or any(e is not None and e.filters for e in expressions):
                    return False
            elif isinstance(node, (AutoEscapeControlNode, BlockNode)):
                if not cls._plain(node.nodelist):
                    return False
            elif isinstance(node, ExtendsNode):
                parent = node.parent_name
                if parent.filters or not isinstance(parent.var, str):
                    return False  # a frame chosen at render time
                frame = get_template(parent.var).template
                if not (cls._plain(node.nodelist) and cls._plain(frame.nodelist)):
                    return False
        return True

    def is_suitable(self, template) -> bool:
        found = self._suitable.get(template.template)
        if found is None:
            found = self._suitable[template.template] = self._plain(template.template.nodelist)
        return found

    def render(self, templates: Sequence, context: dict) -> list[str]:
        """Each template rendered with `context` (one walk of the context for all of them)."""
        values: list[str] = []
        shape: list = []
        _walk(context, values, shape, build=False)
        shape_key = (get_language(), tuple(shape))
        texts = []
        for template in templates:
            if not self.is_suitable(template):
                why = "uses more than text, {{ value }}, if, for and blocks"
                texts.append(self._slow(template, context, why))
                continue
            key = (template.template, shape_key)
            try:
                pieces = self._pieces[key]
            except KeyError:
                example = _walk(context, [], None, build=True)
                pieces = self._compile(template, example, len(values))
                if len(self._pieces) >= self.MAX_SHAPES:
                    self._pieces.clear()
                self._pieces[key] = pieces
            if pieces is None:
                texts.append(self._slow(template, context, "changes the values it prints"))
                continue
            out = []
            for piece in pieces:
                if piece.__class__ is str:
                    out.append(piece)
                else:
                    index, escaped = piece
                    out.append(html.escape(values[index]) if escaped else values[index])
            texts.append("".join(out))
        return texts

    @staticmethod
    def _compile(template, example: dict, count: int) -> list | None:
        text = template.render(example)
        pieces: list = []
        position = 0
        for match in _SLOT.finditer(text):
            pieces.append(text[position : match.start()])
            index = int(match.group(2))
            if index >= count:
                return None
            pieces.append((index, match.group(1) == "&amp;"))
            position = match.end()
        pieces.append(text[position:])
        if any("\x00" in piece for piece in pieces if piece.__class__ is str):
            return None
        return [piece for piece in pieces if piece != ""]


LAYOUTS = Layouts()
