"""The approval policy: what waits for a person before it goes out, from configuration."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

AUTOMATIC = "automatic"
# setting -> (what it governs, {value: what it means}); the first value is the default.
POLICIES = {
    "MAILFLOW_DEFENSE_APPROVAL": (
        _("Defence documents, chamado and reply"),
        {"review": _("a secretary reviews and approves"), AUTOMATIC: _("sent when complete")},
    ),
    "MAILFLOW_ACCESS_APPROVAL": (
        _("Lab accounts"),
        {"coordinator": _("the coordinator authorises"), AUTOMATIC: _("created at once")},
    ),
    "MAILFLOW_FORM_REQUEST_APPROVAL": (
        _("Form asking a professor for missing data"),
        {AUTOMATIC: _("sent without waiting"), "review": _("a draft a person approves")},
    ),
    "MAILFLOW_CREDENTIALS_APPROVAL": (
        _("Credentials after the accounts were created"),
        {AUTOMATIC: _("sent without waiting"), "review": _("a draft a person approves")},
    ),
}


def is_automatic(name: str) -> bool:
    return getattr(settings, name) == AUTOMATIC


def policy_rows() -> list[tuple[str, str, str]]:
    """(what, the current rule, the setting) for the admin."""
    rows = []
    for name, (what, choices) in POLICIES.items():
        value = getattr(settings, name)
        rows.append((str(what), str(choices.get(value, value)), name))
    return rows
