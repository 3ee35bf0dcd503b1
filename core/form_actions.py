"""The one way a plain POST form runs a service: validate, call, and say what happened.

Any error becomes a "Nothing changed" message and the service's transaction leaves no trace;
used by every app's views so a learner reads the same words everywhere.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest
from django.utils.translation import gettext as _


def form_errors_text(form: Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def refuse(request: HttpRequest, errors: str) -> None:
    messages.error(request, _("Nothing changed: %(errors)s") % {"errors": errors})


def form_action(
    request: HttpRequest,
    form: Form,
    action: Callable[[dict[str, Any]], object],
    success: str | Callable[[dict[str, Any]], str],
) -> bool:
    """Validate `form`, then call `action(cleaned_data)` (a service). Return whether it ran;
    show `success` (text, or a function of the data) when it did, the errors when not."""
    if not form.is_valid():
        refuse(request, form_errors_text(form))
        return False
    try:
        action(form.cleaned_data)
    except ValidationError as error:
        refuse(request, " ".join(error.messages))
        return False
    messages.success(request, success(form.cleaned_data) if callable(success) else success)
    return True


def form_save(request: HttpRequest, form: Form, save: Callable[[dict[str, Any]], object]):
    """Validate `form` and return `save(cleaned_data)`; on refusal, say why, keep the input on
    the form (to show it again) and return None."""
    if not form.is_valid():
        refuse(request, form_errors_text(form))
        return None
    try:
        return save(form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        refuse(request, " ".join(error.messages))
        return None
