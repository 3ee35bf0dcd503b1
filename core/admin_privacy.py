"""Admin pages that never show learners' private text (what the learner was told only they can
see: milestone notes, application notes, private projects) to anyone, superusers included.

A ModelAdmin lists those fields in `private_fields`; the mixin keeps them out of the change page,
out of the query (deferred), out of search, and refuses a changelist filter on them in the
address (`?notes__startswith=a` would otherwise read a note one letter at a time). A model whose
text is private only in some rows (a project the learner did not make public) overrides
`private_fields_of(obj)`.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import BaseModelAdmin


def _touches(lookup: str, fields: tuple[str, ...]) -> bool:
    return any(lookup == f or lookup.startswith(f"{f}__") for f in fields)


class PrivateTextAdminMixin(BaseModelAdmin):
    """Mix into a ModelAdmin or inline before its base; set `private_fields`."""

    private_fields: tuple[str, ...] = ()
    # Off where some rows show the fields (deferred, each would cost a query to show).
    defer_private_fields = True

    def private_fields_of(self, obj) -> tuple[str, ...]:
        """The fields hidden on `obj`'s page (None: the add page)."""
        return self.private_fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.private_fields and self.defer_private_fields:
            queryset = queryset.defer(*self.private_fields)
        return queryset

    def _hidden(self, obj) -> tuple[str, ...]:
        if obj is None:
            return self.private_fields
        # Decided once per request on the stored row: a POST that fails validation has already
        # changed `obj` (e.g. is_public), and the page must still match the form built before.
        if not hasattr(obj, "_admin_hidden_fields"):
            obj._admin_hidden_fields = self.private_fields_of(obj)
        return obj._admin_hidden_fields

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            self._hidden(obj)
        return obj

    def get_fields(self, request, obj=None):
        hidden = self._hidden(obj)
        return [f for f in super().get_fields(request, obj) if f not in hidden]

    def get_readonly_fields(self, request, obj=None):
        hidden = self._hidden(obj)
        return [f for f in super().get_readonly_fields(request, obj) if f not in hidden]

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or ()), *self._hidden(obj)]

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        return [f for f in fields if not _touches(f.lstrip("^=@"), self.private_fields)]

    def lookup_allowed(self, lookup, value, request=None):
        if _touches(lookup, self.private_fields):
            return False
        return super().lookup_allowed(lookup, value, request)


class PrivateTextModelAdmin(PrivateTextAdminMixin, admin.ModelAdmin):
    pass
