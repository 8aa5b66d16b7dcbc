"""The kinds of request, registered by the workflow apps instead of fixed in emails/.

A kind is the code stored in `Email.kind` (the API and the classifier use the same code)
and the label a person sees. A workflow app registers its kind in its AppConfig.ready
(`register_kind("defesa", _("Thesis defence"))`), so a new kind of request is a new app:
emails/ takes its choices, its admin actions ("Classify as …") and its API validation from
this registry. "outro" is the kind of everything that is not a request: it has no workflow,
so the pipeline registers it itself, and lists it last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The longest code `Email.kind` can store.
CODE_MAX_LENGTH = 10

# Not a request: kept and shown, never answered.
OTHER = "outro"


@dataclass(frozen=True)
class Kind:
    code: str
    # Lazy (gettext_lazy): translated when shown, in the language of whoever looks.
    label: str | Promise
    # The workflow's own reader: whether an email holds one of its requests whole (e.g. a
    # defence form with the student, the title, the date and the committee). A second
    # opinion when the classifier's best guess is this kind but it is not sure.
    recognises: Callable[[object], bool] | None = None
    # The workflow's own reader, the other way: why an email the classifier is sure of is
    # not one of its requests after all (a look-alike: an announcement, a certificate), as
    # a label a person reads; "" when it has no doubt. The email then waits for a person.
    doubts: Callable[[object], str] | None = None


_registry: dict[str, Kind] = {}


def register_kind(
    code: str,
    label: str | Promise,
    recognises: Callable[[object], bool] | None = None,
    doubts: Callable[[object], str] | None = None,
) -> Kind:
    if not code or len(code) > CODE_MAX_LENGTH or code != code.strip():
        raise ValueError(f"a kind's code has 1 to {CODE_MAX_LENGTH} characters: {code!r}")
    kind = Kind(code=code, label=label, recognises=recognises, doubts=doubts)
    _registry[code] = kind
    return kind


def unregister_kind(code: str) -> None:
    if code == OTHER:
        raise ValueError(f"{OTHER!r} is the pipeline's own kind")
    _registry.pop(code, None)


def registered_kinds() -> list[Kind]:
    """Every kind, in the order the apps registered them, "outro" last."""
    return sorted(_registry.values(), key=lambda kind: kind.code == OTHER)


def kind_codes() -> list[str]:
    return [kind.code for kind in registered_kinds()]


def kind_choices() -> list[tuple[str, str | Promise]]:
    """The choices of `Email.kind` (a callable, so a kind registered later is one too)."""
    return [(kind.code, kind.label) for kind in registered_kinds()]


def is_kind(code: str | None) -> bool:
    return code in _registry


def kind_recognises(code: str, email) -> bool:
    """Whether the kind's own reader finds one of its requests whole in the email."""
    kind = _registry.get(code)
    return bool(kind and kind.recognises and kind.recognises(email))


def kind_doubts(code: str, email) -> str:
    """Why the kind's own reader doubts the email is one of its requests ("" when not)."""
    kind = _registry.get(code)
    return str(kind.doubts(email) or "") if kind and kind.doubts else ""


def kind_label(code: str) -> str:
    """The label of a kind, or its code when no app registers it (any more)."""
    kind = _registry.get(code)
    return str(kind.label) if kind else code


register_kind(OTHER, _("Other"))
