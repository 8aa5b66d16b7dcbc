"""What a bench child process runs with: mailflow's production settings (DEBUG off, fixed
bench-only keys: nothing real is kept) on the bench database, as a deployed install runs.

A deployed install has its bytecode caches, so the children run without
PYTHONDONTWRITEBYTECODE (set on some machines) after `precompile()`: compiling every module
anew at each start is not start-up cost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-only-secret-key-0123456789abcdefghijklmnop"
ENCRYPTION_KEY = "YmVuY2gtb25seS1lbmNyeXB0aW9uLWtleS0wMTIzNDU="
DECISION_KEY = "bench-only-decision-key-0123456789abcdef"


def production_env(db_url: str, **extra: str) -> dict[str, str]:
    """The child's environment; `extra` (IMAP_URL, EMAIL_URL, MAILFLOW_*) goes last."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mailflow.settings",
        "DATABASE_URL": db_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY", SECRET_KEY),
        "MAILFLOW_ENCRYPTION_KEY": os.environ.get("MAILFLOW_ENCRYPTION_KEY", ENCRYPTION_KEY),
        "MAILFLOW_DECISION_KEY": os.environ.get("MAILFLOW_DECISION_KEY", DECISION_KEY),
        # production settings want an SMTP server (a bench that sends sets its sink's)
        "EMAIL_URL": os.environ.get("EMAIL_URL", "smtp://127.0.0.1:25"),
        "MEDIA_ROOT": os.environ.get("MEDIA_ROOT", str(ROOT / "var" / "bench-media")),
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def precompile() -> None:
    """Write the project's bytecode caches once, as installing it would."""
    packages = [str(p) for p in sorted(ROOT.iterdir()) if (p / "__init__.py").exists()]
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", *packages, "manage.py"],
        cwd=ROOT,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    )
