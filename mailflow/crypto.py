"""Symmetric encryption for the few secrets kept in the database: mailbox passwords, a lab
password until the credentials were sent, the secrets of an outgoing message.

MAILFLOW_ENCRYPTION_KEY holds one or more Fernet keys, comma separated: the first encrypts,
every one decrypts (cryptography's MultiFernet). To rotate, put a new key first, run
`manage.py rotate_encryption_key` (every stored secret is re-encrypted with it), then drop
the old key.

Older versions, when no key was set, derived one from SECRET_KEY (so a leaked SECRET_KEY
also decrypted the secrets, and rotating it lost them). In a trial or DEBUG run, and only
there, that derived key still decrypts, so an existing trial database keeps its passwords
(`rotate_encryption_key` moves them to the trial's own key). In production it never does:
an installation upgrading with such secrets lists it explicitly as a second key
(`manage.py generate_encryption_key --with-legacy`).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted (the key changed): re-enter it."""


@dataclass(frozen=True)
class EncryptedField:
    """A model field holding a Fernet token (empty: no secret)."""

    model: str  # "app_label.ModelName"
    field: str
    label: str  # for the operator running rotate_encryption_key


# Every field holding a secret encrypted by this module: what rotate_encryption_key
# re-encrypts. A new encrypted field is added here.
ENCRYPTED_FIELDS = (
    EncryptedField("emails.Mailbox", "password_encrypted", "mailbox passwords"),
    EncryptedField("acesso.AccessRequest", "password_encrypted", "lab passwords"),
    EncryptedField("sender.OutboundMessage", "secrets_encrypted", "outgoing message secrets"),
)


if TYPE_CHECKING:
    from cryptography.fernet import Fernet, MultiFernet


def _cryptography():
    """cryptography's Fernet module, loaded on first use: ~20 ms at every start that a
    cron command which reads no secret should not pay."""
    from cryptography import fernet

    return fernet


def is_valid_key(key: str) -> bool:
    """A Fernet key: 32 bytes in URL-safe base64 (what Fernet() itself checks)."""
    try:
        return len(base64.urlsafe_b64decode(key.encode())) == 32
    except ValueError:
        return False


def generate_key() -> str:
    return _cryptography().Fernet.generate_key().decode()


def configured_keys() -> list[str]:
    """MAILFLOW_ENCRYPTION_KEY's keys, the one that encrypts first."""
    return [k.strip() for k in settings.MAILFLOW_ENCRYPTION_KEY.split(",") if k.strip()]


def legacy_key() -> str:
    """The key older versions derived from SECRET_KEY when none was set."""
    digest = hashlib.sha256(b"mailflow-secrets:" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def legacy_key_allowed() -> bool:
    return bool(settings.DEBUG or settings.MAILFLOW_TRIAL)


def _primary() -> Fernet:
    keys = configured_keys()
    if not keys:
        raise ImproperlyConfigured(
            "MAILFLOW_ENCRYPTION_KEY is not set: stored secrets can be neither encrypted "
            "nor read (see `manage.py check`)."
        )
    return _cryptography().Fernet(keys[0].encode())


def _fernet() -> MultiFernet:
    fernet = _cryptography()
    fernets = [_primary()] + [fernet.Fernet(k.encode()) for k in configured_keys()[1:]]
    if legacy_key_allowed():
        fernets.append(fernet.Fernet(legacy_key().encode()))
    return fernet.MultiFernet(fernets)


def encrypt(plain: str) -> str:
    return _primary().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except _cryptography().InvalidToken as exc:
        raise SecretUnreadable("stored secret cannot be decrypted with the current key") from exc


def is_current(token: str) -> bool:
    """Whether the first key (the one that encrypts) reads this token."""
    try:
        _primary().decrypt(token.encode())
    except _cryptography().InvalidToken:
        return False
    return True


def reencrypt(token: str) -> str:
    """The same secret encrypted with the first key (SecretUnreadable if no key reads it)."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except _cryptography().InvalidToken as exc:
        raise SecretUnreadable("stored secret cannot be decrypted with the current key") from exc


@dataclass
class RotationResult:
    field: EncryptedField
    reencrypted: int = 0
    current: int = 0  # already encrypted with the first key
    unreadable: list[int] = field(default_factory=list)  # primary keys


def stored_secrets_rotate(*, batch_size: int = 500) -> list[RotationResult]:
    """Re-encrypt every stored secret with the first key, in batches. A secret no key reads
    is left as it is and reported; one changed meanwhile (a new password, a message sent)
    is left to the code that wrote it, which used the first key. Running it again changes
    nothing more."""
    _primary()  # fails clearly without a key
    results = []
    for encrypted in ENCRYPTED_FIELDS:
        model = apps.get_model(encrypted.model)
        name = encrypted.field
        result = RotationResult(encrypted)
        rows = model.objects.exclude(**{name: ""}).order_by("pk")
        last = None
        while True:
            batch = rows if last is None else rows.filter(pk__gt=last)
            batch = list(batch.values_list("pk", name)[:batch_size])
            if not batch:
                break
            last = batch[-1][0]
            with transaction.atomic():
                for pk, token in batch:
                    if is_current(token):
                        result.current += 1
                        continue
                    try:
                        new = reencrypt(token)
                    except SecretUnreadable:
                        result.unreadable.append(pk)
                        continue
                    # Only if unchanged since read: never overwrite a newer secret.
                    if model.objects.filter(pk=pk, **{name: token}).update(**{name: new}):
                        result.reencrypted += 1
        results.append(result)
    return results
