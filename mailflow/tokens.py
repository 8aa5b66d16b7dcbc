"""Message-IDs nobody can guess, signed for the case and purpose they were sent for.

Every Message-ID mailflow sends is ``<nonce.tag@domain>``: ``nonce`` is 128 bits from
`secrets`, ``tag`` the first 128 bits of HMAC-SHA256(MAILFLOW_DECISION_KEY, nonce + the
message's case and purpose, e.g. "access:12:authorisation_request"), both in lower-case
base32 without padding (26 characters each). An answer names the message it answers in
In-Reply-To, so the coordinator's ordinary "Reply" carries the token back; only a holder of
the key can make a tag that verifies for a given request, and 2^128 nonces cannot be
guessed (`email.utils.make_msgid` used `random`, which 312 observed IDs predict).

The key is separate from SECRET_KEY: a leaked SECRET_KEY forges no decision, and rotating it
does not invalidate the authorisation requests waiting for an answer. Without a key (a
misconfigured production, which the system check acesso.E001 refuses) IDs are still random
but carry no tag, so no answer by email can count: a person decides in the admin.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path

from django.conf import settings

NONCE_BYTES = 16
TAG_BYTES = 16
_B32_LEN = 26  # 16 bytes in base32 without padding


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()


def _key() -> bytes:
    key = settings.MAILFLOW_DECISION_KEY or ""
    return key.encode("utf-8")


def _tag(nonce: str, signed_for: str) -> str:
    mac = hmac.new(_key(), f"{nonce}\n{signed_for}".encode(), hashlib.sha256)
    return _b32(mac.digest()[:TAG_BYTES])


def message_id(*, domain: str, signed_for: str) -> str:
    """A new Message-ID (without angle brackets) for a message sent for `signed_for` (its
    case and purpose)."""
    nonce = _b32(secrets.token_bytes(NONCE_BYTES))
    if not _key():
        return f"{nonce}@{domain}"
    return f"{nonce}.{_tag(nonce, signed_for)}@{domain}"


def split(message_id: str) -> tuple[str, str]:
    """(nonce, tag) of one of our Message-IDs; ("", "") for an ID not of our making, and a
    tag of "" when it carries none."""
    local = (message_id or "").strip().strip("<>").rpartition("@")[0]
    nonce, _dot, tag = local.partition(".")
    if len(nonce) != _B32_LEN:
        return "", ""
    return nonce, tag


def verifies(message_id: str, *, signed_for: str) -> bool:
    """Whether the Message-ID's tag is ours for `signed_for` (a constant-time comparison)."""
    if not _key():
        return False
    nonce, tag = split(message_id)
    if not nonce or not tag:
        return False
    return hmac.compare_digest(tag.encode("ascii", "replace"), _tag(nonce, signed_for).encode())


def key_configured() -> bool:
    return bool(_key())


def trial_decision_key(var_dir: Path) -> str:
    """A persistent random decision key for trial and development runs only."""
    path = var_dir / "decision_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
