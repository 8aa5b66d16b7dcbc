"""What Django imports when it starts: only what every command needs. The heavy libraries
load when first used (a `manage.py` command run from cron every minute pays for each)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HEAVY = (
    "docx",
    "docxtpl",
    "lxml",
    "jinja2",
    "paramiko",
    "sklearn",
    "drf_spectacular",
    "drf_spectacular.openapi",
    "drf_spectacular.plumbing",
    "rest_framework.viewsets",
    "emails.api",
)
# The readers of request emails: their patterns compile when they load, and only the
# commands that read a request need them.
READERS = ("defesa.reading", "defesa.sentences", "acesso.extraction")


def _modules_after(code: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"DJANGO_SETTINGS_MODULE": "mailflow.settings", "MAILFLOW_TRIAL": "1"})
    result = subprocess.run(
        [sys.executable, "-c", code + "; import json; print(json.dumps(sorted(sys.modules)))"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_django_starts_without_the_heavy_libraries():
    loaded = _modules_after("import sys, django; django.setup()")
    assert "mailflow.settings" in loaded and "emails.services" in loaded
    assert sorted(loaded & set(HEAVY)) == []
    assert sorted(loaded & set(READERS)) == []


def test_a_collection_command_starts_without_the_web_side():
    """`collect_emails` runs the project's own checks, not the URL and admin checks that
    would import every API view and admin class."""
    code = (
        "import sys, django; django.setup(); "
        "from django.core.management import load_command_class; "
        "command = load_command_class('emails', 'collect_emails'); "
        # Django's own way in (system checks included), without collecting anything.
        "command.handle = lambda *args, **options: None; "
        "command.run_from_argv(['manage.py', 'collect_emails'])"
    )
    loaded = _modules_after(code)
    assert sorted(loaded & {*HEAVY, "mailflow.urls", "emails.admin"}) == []


def test_the_urls_bring_the_admin_and_the_api():
    loaded = _modules_after("import sys, django; django.setup(); import mailflow.urls")
    assert {"emails.admin", "defesa.admin", "emails.api", "drf_spectacular.openapi"} <= loaded


def test_the_system_checks_still_check_every_model_admin():
    """The admin modules load with the URLs now; `manage.py check` finds them first."""
    code = (
        "import sys, django; django.setup(); "
        "from django.contrib import admin; from django.core import checks; "
        "from emails.models import Email; "
        "errors = checks.run_checks(tags=['admin']); "
        "assert not errors, errors; "
        "assert admin.site.is_registered(Email)"
    )
    loaded = _modules_after(code)
    assert {"emails.admin", "defesa.admin", "acesso.admin", "sender.admin"} <= loaded
