"""Symmetric encryption for the few secrets kept in the database (mailbox passwords)."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted (the key changed): re-enter it."""


def _fernet() -> Fernet:
    key = settings.MAILFLOW_ENCRYPTION_KEY
    if key:
        return Fernet(key.encode())
    digest = hashlib.sha256(b"mailflow-secrets:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("stored secret cannot be decrypted with the current key") from exc
