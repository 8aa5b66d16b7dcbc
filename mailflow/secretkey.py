"""Persistent random keys for trial and development runs only: SECRET_KEY and the key of
the secrets stored in the database, each kept in a file under var/."""

import secrets
from pathlib import Path


def _kept(path: Path, make) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = make()
    path.write_text(key)
    path.chmod(0o600)
    return key


def trial_secret_key(var_dir: Path) -> str:
    return _kept(var_dir / "secret_key", lambda: secrets.token_urlsafe(50))


def trial_encryption_key(var_dir: Path) -> str:
    from cryptography.fernet import Fernet

    return _kept(var_dir / "encryption_key", lambda: Fernet.generate_key().decode())
