"""Errors as JSON: a service's ValidationError becomes a 400 like a serializer's, and any URL
under /api/v1/ that names nothing answers a JSON 404 rather than the site's HTML page."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.views import exception_handler as drf_exception_handler


def validation_error(error: DjangoValidationError, *, field: str) -> exceptions.ValidationError:
    """A service's refusal as a 400 naming the field it is about."""
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(error.message_dict)
    return exceptions.ValidationError({field: error.messages})


def _messages(detail, where: str = "") -> list[str]:
    """A field's errors as a flat list of text; an item of a list says which, e.g.
    "Item 1: Ensure this value is less than or equal to 365."."""
    if isinstance(detail, dict):
        return [
            message
            for key, value in detail.items()
            for message in _messages(value, f"{where}{_('Item %(n)s') % {'n': key}}: ")
        ]
    if isinstance(detail, list):
        return [message for item in detail for message in _messages(item, where)]
    return [f"{where}{detail}"]


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = validation_error(exc, field="non_field_errors")
    response = drf_exception_handler(exc, context)
    if isinstance(exc, exceptions.ValidationError) and isinstance(response.data, dict):
        # One documented shape for every 400: {"field": ["message", ...]}.
        response.data = {field: _messages(detail) for field, detail in response.data.items()}
    return response


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
def not_found(request, *args, **kwargs):
    raise exceptions.NotFound()
