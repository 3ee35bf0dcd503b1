"""Admin pages that show rows the code alone writes (a delivery log, computed insights)."""

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """No add, change or delete in the admin: the rows are written by the code that owns them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
