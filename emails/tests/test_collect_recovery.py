"""A collection killed mid-batch (SIGKILL: no finally, no cleanup) on PostgreSQL: the next
run starts at once and stores exactly the rest. The mailbox lock is a session advisory
lock, which PostgreSQL releases when the killed process's connection goes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from emails.models import Email
from testing.mail import make_raw
from testing.processes import child_env

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
COUNT = 300


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        reason = "the advisory lock is PostgreSQL's (SQLite keeps the lease: test_services)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def _child_env() -> dict[str, str]:
    return child_env(
        # small batches: many commits, so the kill lands between two of them
        MAILFLOW_IMAP_BATCH_SIZE="5",
        # a lease this long would block the next run for minutes: it must not be used
        MAILFLOW_COLLECT_LOCK_SECONDS="600",
    )


def _collect(mailbox_name: str) -> list[str]:
    return [sys.executable, "manage.py", "collect_emails", "--mailbox", mailbox_name]


def test_a_run_right_after_a_killed_one_stores_exactly_the_rest(
    dovecot_server, imap_account, imap_mailbox
):
    _require_postgresql()
    dovecot_server.append_many(
        imap_account,
        [
            make_raw(subject=f"Pedido {n}", message_id=f"<recovery-{n}@aluno.ifes.edu.br>")
            for n in range(COUNT)
        ],
    )
    stored = Email.objects.filter(mailbox=imap_mailbox)
    killed = subprocess.Popen(
        _collect(imap_mailbox.name),
        cwd=ROOT,
        env=_child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not stored.exists() and killed.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        killed.send_signal(signal.SIGKILL)
    finally:
        killed.wait(timeout=30)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.read().decode()
    before = stored.count()
    assert 0 < before < COUNT, f"the kill should land mid-collection ({before} stored)"

    rest = subprocess.run(
        _collect(imap_mailbox.name),
        cwd=ROOT,
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert rest.returncode == 0, rest.stdout + rest.stderr
    assert "another collection" not in rest.stdout
    assert re.search(rf"\bstored {COUNT - before},", rest.stdout), rest.stdout
    assert stored.count() == COUNT
    assert stored.values("message_id").distinct().count() == COUNT
    assert not stored.values("message_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.lock_token == "" and imap_mailbox.last_error == ""
