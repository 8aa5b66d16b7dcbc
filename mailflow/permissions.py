"""Who may do what through the API: the same model permissions the admin asks for.

Every API request needs a staff user (anonymous: 401; not staff: 403). A request on a
model then needs the permission matching what it does: reading needs view_<model>,
POST add, PUT and PATCH change, DELETE delete. A custom action (approve, retry, raw...)
declares what it needs in its viewset's `action_permissions`; one that declares nothing
is refused, so a new action cannot fall back on a permission that does not fit it.
"""

from collections.abc import Iterable

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.permissions import DjangoModelPermissions

# The actions a viewset's HTTP methods map to; "metadata" answers OPTIONS.
STANDARD_ACTIONS = {
    "list",
    "retrieve",
    "create",
    "update",
    "partial_update",
    "destroy",
    "metadata",
}


def missing_permissions(user, permissions: Iterable[str]) -> list[str]:
    return [p for p in permissions if not user.has_perm(p)]


def denied_message(missing: Iterable[str]) -> str:
    return _("You need the permission %(permissions)s.") % {
        "permissions": ", ".join(sorted(missing))
    }


def require(request, *permissions: str) -> None:
    """Raise 403 unless the user has every one of `permissions` (for a check that
    depends on the request's body, e.g. a PATCH that also replaces related rows)."""
    missing = missing_permissions(request.user, permissions)
    if missing:
        raise exceptions.PermissionDenied(denied_message(missing))


class ModelPermissions(DjangoModelPermissions):
    """Staff, and the model permission the request needs (the default of the API)."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            return False  # DRF's own message; 401 when not authenticated
        required = self.required_permissions(request, view)
        if required is None:
            self.message = _("This action does not say which permission it needs.")
            return False
        missing = missing_permissions(user, required)
        if missing:
            self.message = denied_message(missing)
            return False
        return True

    def required_permissions(self, request, view) -> list[str] | None:
        action = getattr(view, "action", None)
        declared = getattr(view, "action_permissions", {})
        if action in declared:
            return list(declared[action])
        if action is not None and action not in STANDARD_ACTIONS:
            return None
        # The router's root view and any view without a model: staff is enough.
        if getattr(view, "_ignore_model_permissions", False):
            return []
        if getattr(view, "queryset", None) is None and not hasattr(view, "get_queryset"):
            return []
        return self.get_required_permissions(request.method, self._queryset(view).model)
