"""Environments for the real processes a test starts (`manage.py send_outbox`, a
collection, a cluster): the test settings, on the test database this test commits to
(`django_db(transaction=True)`), which only PostgreSQL lets another process see."""

from __future__ import annotations

import os

from django.conf import settings
from django.db import connection


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{db['USER'] or 'postgres'}{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def child_env(*, inherit: bool = True, **extra: str) -> dict[str, str]:
    """The child's environment: this process's own (unless `inherit` is false), the test
    settings and database, the same keys and media folder, then `extra`."""
    return {
        **(os.environ if inherit else {}),
        "DJANGO_SETTINGS_MODULE": "mailflow.settings_test",
        "DATABASE_URL": database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "MAILFLOW_ENCRYPTION_KEY": settings.MAILFLOW_ENCRYPTION_KEY,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LOG_LEVEL": "WARNING",
        **extra,
    }
