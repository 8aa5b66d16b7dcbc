"""Automatic-mail detection: mail that must never get an automatic answer.

Answering an auto-reply, a bounce or a mailing list starts mail loops (RFC 3834), so a
message is treated as automatic on any one of the usual signs. Pure Python, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["HEADERS_READ", "detect_automatic"]

# The (lower-case) headers detect_automatic looks at, so a caller can decode only these.
HEADERS_READ = (
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "return-path",
)

_REASON_VALUE_MAX = 200
_AUTO_PRECEDENCE = frozenset({"bulk", "list", "junk", "auto_reply", "auto-reply"})
_DAEMON_LOCAL_PARTS = frozenset({"mailer-daemon", "postmaster"})
_DAEMON_WORD = re.compile(r"(?<![\w.-])(?:mailer-daemon|postmaster)(?![\w-])", re.IGNORECASE)


def detect_automatic(
    headers: Mapping[str, str],
    *,
    from_address: str = "",
    from_name: str = "",
    content_type: str = "",
) -> str:
    """The reason this message is automatic, e.g. "Precedence: bulk"; "" for human mail.

    ``headers`` maps lower-case header names (those in HEADERS_READ suffice) to their first
    decoded value. ``from_name`` is only
    looked at when the From header had no usable address ("MAILER-DAEMON (Mail Delivery
    System)"). ``content_type`` is the top-level type, e.g. "multipart/report".
    """

    def value(name: str) -> str | None:
        found = headers.get(name)
        return None if found is None else " ".join(found.split())

    auto_submitted = value("auto-submitted")
    if auto_submitted is not None and _token(auto_submitted) != "no":
        return _reason("Auto-Submitted", auto_submitted)
    for name, label in (("x-autoreply", "X-Autoreply"), ("x-autorespond", "X-Autorespond")):
        found = value(name)
        if found is not None:
            return _reason(label, found)
    suppress = value("x-auto-response-suppress")
    if suppress is not None:
        return _reason("X-Auto-Response-Suppress", suppress)
    precedence = value("precedence")
    if precedence is not None and _token(precedence) in _AUTO_PRECEDENCE:
        return _reason("Precedence", precedence)
    for name, label in (("list-id", "List-Id"), ("list-unsubscribe", "List-Unsubscribe")):
        found = value(name)
        if found is not None:
            return _reason(label, found)
    return_path = value("return-path")
    if return_path is not None and not return_path.strip("<> "):
        return "Return-Path: <>"
    address = from_address.strip().lower()
    if address:
        if address.split("@", 1)[0] in _DAEMON_LOCAL_PARTS:
            return _reason("From", address)
    elif _DAEMON_WORD.search(from_name):
        return _reason("From", from_name)
    if content_type.strip().lower() == "multipart/report":
        return "Content-Type: multipart/report"
    return ""


def _token(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _reason(label: str, value: str) -> str:
    return f"{label}: {value[:_REASON_VALUE_MAX]}".rstrip()
