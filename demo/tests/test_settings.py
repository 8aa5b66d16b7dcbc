"""What MAILFLOW_TRIAL=1 changes in the settings, read in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMES = [
    "EMAIL_BACKEND",
    "DEFAULT_FROM_EMAIL",
    "MAILFLOW_CHAMADO_TO",
    "MAILFLOW_COORDINATOR_EMAIL",
    "MAILFLOW_COORDINATOR_NAME",
    "MAILFLOW_TRIAL_OUTBOX_DIR",
    "MAILFLOW_DEMO_MAILDIR",
    "DATABASES",
]


def settings_with(tmp_path: Path, **variables: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MAILFLOW_", "DJANGO_", "EMAIL_", "DEFAULT_FROM"))
        and key not in {"DATABASE_URL", "DEBUG"}
    }
    env.update(
        SECRET_KEY="x" * 50, DATABASE_URL="", MAILFLOW_VAR_DIR=str(tmp_path / "var"), **variables
    )
    code = (
        "import json; from mailflow import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {NAMES!r}}}, default=str))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_a_trial_writes_mail_to_files_and_has_a_coordinator(tmp_path):
    s = settings_with(tmp_path, MAILFLOW_TRIAL="1")
    assert s["EMAIL_BACKEND"] == "demo.mail.EmlOutboxBackend"
    assert s["MAILFLOW_TRIAL_OUTBOX_DIR"] == str(tmp_path / "var" / "outbox")
    assert s["MAILFLOW_DEMO_MAILDIR"] == str(tmp_path / "var" / "demo-maildir")
    assert s["DATABASES"]["default"]["NAME"] == str(tmp_path / "var" / "mailflow.sqlite3")
    assert s["MAILFLOW_CHAMADO_TO"] == s["MAILFLOW_COORDINATOR_EMAIL"]
    assert s["MAILFLOW_COORDINATOR_EMAIL"] == "coordenacao@ppcomp.example"
    assert s["MAILFLOW_COORDINATOR_NAME"]
    assert s["DEFAULT_FROM_EMAIL"].endswith("<secretaria@ppcomp.example>")


def test_a_trial_keeps_what_is_configured(tmp_path):
    s = settings_with(
        tmp_path,
        MAILFLOW_TRIAL="1",
        EMAIL_URL="smtp://127.0.0.1:2525",
        DEFAULT_FROM_EMAIL="ppcomp@ifes.example",
        MAILFLOW_CHAMADO_TO="chamados@ifes.example",
        MAILFLOW_COORDINATOR_EMAIL="coord@ifes.example",
        MAILFLOW_COORDINATOR_NAME="Prof. Dr. Fulano",
    )
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert s["DEFAULT_FROM_EMAIL"] == "ppcomp@ifes.example"
    assert s["MAILFLOW_CHAMADO_TO"] == "chamados@ifes.example"
    assert s["MAILFLOW_COORDINATOR_EMAIL"] == "coord@ifes.example"
    assert s["MAILFLOW_COORDINATOR_NAME"] == "Prof. Dr. Fulano"


def test_without_the_trial_nothing_changes(tmp_path):
    s = settings_with(tmp_path)
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert s["MAILFLOW_CHAMADO_TO"] == s["MAILFLOW_COORDINATOR_EMAIL"] == ""
    assert s["DEFAULT_FROM_EMAIL"] == "secretaria@localhost"
