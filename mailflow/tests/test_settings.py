"""The settings module as an operator meets it: from the environment, in a fresh process."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "SECRET_KEY": "prod-like-secret-key-for-the-deploy-check-0123456789abcdefghijkl",
    "ALLOWED_HOSTS": "mailflow.example.org",
    "EMAIL_URL": "smtp+tls://mailflow:senha@smtp.example.org:587",
    "MAILFLOW_ENCRYPTION_KEY": "cHJvZC1saWtlLWVuY3J5cHRpb24ta2V5LTAxMjM0NTY=",
    "MAILFLOW_DECISION_KEY": "prod-like-decision-key-0123456789abcdefghijkl",
}


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL", "SECRET_KEY"}}
    clean.update({"DJANGO_SETTINGS_MODULE": "mailflow.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


SHOW = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'q': s.Q_CLUSTER, 'db': s.DATABASES['default']['ENGINE'], "
    "'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE, 'debug': s.DEBUG}))"
)


def test_deploy_check_is_clean_for_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            # Not DEBUG, nor what the browser tests set for themselves in this process.
            **{
                k: v
                for k, v in os.environ.items()
                if k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
            },
            **PROD_ENV,
            "DJANGO_SETTINGS_MODULE": "mailflow.settings",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_fails_without_an_encryption_key():
    """A key of its own for stored secrets, never one derived from SECRET_KEY."""
    result = _check("--deploy", **{**PROD_ENV, "MAILFLOW_ENCRYPTION_KEY": ""})
    assert result.returncode != 0
    assert "mailflow.E010" in result.stderr and "MAILFLOW_ENCRYPTION_KEY" in result.stderr
    assert "generate_encryption_key" in result.stderr and "Fernet.generate_key()" in result.stderr
    broken = _check(**{**PROD_ENV, "MAILFLOW_ENCRYPTION_KEY": "not-a-key"})
    assert broken.returncode != 0 and "mailflow.E011" in broken.stderr


def test_a_trial_without_an_encryption_key_keeps_one_in_var(tmp_path):
    env = {**PROD_ENV, "MAILFLOW_ENCRYPTION_KEY": "", "MAILFLOW_VAR_DIR": str(tmp_path)}
    show = "import django; django.setup(); from django.conf import settings as s; "
    show += "print(s.MAILFLOW_ENCRYPTION_KEY)"
    first = _run(show, MAILFLOW_TRIAL="1", **env)
    assert first.returncode == 0, first.stderr
    kept = (tmp_path / "encryption_key").read_text().strip()
    assert first.stdout.strip() == kept and len(kept) == 44
    assert oct((tmp_path / "encryption_key").stat().st_mode & 0o777) == "0o600"
    assert _run(show, DEBUG="1", **env).stdout.strip() == kept
    assert _check(MAILFLOW_TRIAL="1", **env).returncode == 0


def _check(*options: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "EMAIL_URL", "MAILFLOW_TRIAL")
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", *options],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "mailflow.settings", **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_outgoing_mail():
    """Without EMAIL_URL replies would be printed, passwords included, and called sent."""
    result = _check(**{**PROD_ENV, "EMAIL_URL": ""})
    assert result.returncode != 0
    assert "sender.E001" in result.stderr and "EMAIL_URL" in result.stderr
    assert _check(**PROD_ENV).returncode == 0
    assert _check(**{**PROD_ENV, "EMAIL_URL": "", "DEBUG": "1"}).returncode == 0


def test_an_smtp_login_in_clear_is_refused_but_to_this_machine():
    clear = {**PROD_ENV, "EMAIL_URL": "smtp://mailflow:senha@smtp.example.org:25"}
    result = _check(**clear)
    assert result.returncode != 0 and "sender.E002" in result.stderr
    assert _check(**{**PROD_ENV, "EMAIL_URL": "smtp://mailflow:senha@127.0.0.1:25"}).returncode == 0
    assert _check(**{**PROD_ENV, "EMAIL_URL": "smtp://smtp.example.org:25"}).returncode == 0


def test_secret_key_is_required_in_production():
    result = _run(SHOW)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_orm_broker_by_default_and_redis_when_configured():
    default = json.loads(_run(SHOW, **PROD_ENV).stdout)
    assert default["q"]["orm"] == "default" and "redis" not in default["q"]
    assert default["q"]["timeout"] < default["q"]["retry"]
    assert default["lang"] == "pt-br" and default["tz"] == "America/Sao_Paulo"
    assert default["debug"] is False
    redis = json.loads(_run(SHOW, REDIS_URL="redis://127.0.0.1:6379/3", **PROD_ENV).stdout)
    assert redis["q"]["redis"] == "redis://127.0.0.1:6379/3" and "orm" not in redis["q"]


def test_sqlite_by_default_postgres_from_database_url():
    env = {k: v for k, v in PROD_ENV.items()}
    sqlite = _run(SHOW, DATABASE_URL="", **env)
    # an empty DATABASE_URL is not a configuration: the embedded default applies
    assert sqlite.returncode == 0 or "DATABASE_URL" in sqlite.stderr
    pg = json.loads(_run(SHOW, DATABASE_URL="postgres://u:p@127.0.0.1:5432/x", **env).stdout)
    assert pg["db"] == "django.db.backends.postgresql"


def test_the_content_security_policy_only_reports_with_debug():
    """Django's debug pages are inline styles and scripts; production enforces."""
    show = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.CONTENT_SECURITY_POLICY, s.CONTENT_SECURITY_POLICY_REPORT_ONLY]))"
    )
    enforced, report_only = json.loads(_run(show, **PROD_ENV).stdout)
    assert enforced["DIRECTIVES"]["default-src"] == ["'self'"] and report_only is None
    enforced, report_only = json.loads(_run(show, DEBUG="1", **PROD_ENV).stdout)
    assert enforced is None and report_only["DIRECTIVES"]["frame-ancestors"] == ["'none'"]


def test_production_refuses_to_start_without_a_decision_key(tmp_path):
    """Without it the coordinator's answers by email could not be verified; DEBUG and the
    trial keep a key of their own in var/, separate from SECRET_KEY's."""
    result = _check(**{**PROD_ENV, "MAILFLOW_DECISION_KEY": ""})
    assert result.returncode != 0
    assert "acesso.E001" in result.stderr and "secrets.token_urlsafe(32)" in result.stderr
    show = "import django; django.setup(); from django.conf import settings as s; "
    show += "print(s.MAILFLOW_DECISION_KEY)"
    trial = {**PROD_ENV, "MAILFLOW_DECISION_KEY": "", "MAILFLOW_TRIAL": "1"}
    trial["MAILFLOW_VAR_DIR"] = str(tmp_path)
    first = _run(show, **trial)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 40 and (tmp_path / "decision_key").read_text() == key
    assert _run(show, **trial).stdout.strip() == key
