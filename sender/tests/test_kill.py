"""A real `send_outbox` process SIGKILLed in the middle of a batch, then another run: every
message arrives exactly once or is uncertain for a person, never twice (PostgreSQL, a real
SMTP server, real processes)."""

import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from sender import services
from sender.models import OutboundMessage, OutboundStatusChange
from testing.processes import child_env

pytestmark = pytest.mark.django_db(transaction=True)
S = OutboundMessage.Status
ROOT = Path(__file__).resolve().parents[2]
COUNT = 300


def _send_outbox(smtp_server, connections: int) -> subprocess.Popen:
    env = child_env(
        EMAIL_URL=f"smtp://{smtp_server.host}:{smtp_server.port}",
        MAILFLOW_OUTBOX_CONNECTIONS=str(connections),
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "send_outbox"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="another process must see the test database: PostgreSQL (SQLite's is in memory)",
)
@pytest.mark.parametrize("connections", [1, 4])
def test_a_send_outbox_killed_mid_batch_then_run_again_sends_nothing_twice(
    smtp_server, connections
):
    messages = services.outbound_compose_many(
        [
            {
                "email": None,
                "case_key": f"kill:{i}",
                "purpose": "chamado",
                "to": f"pessoa{i}@ifes.edu.br",
                "subject": f"Aviso {i}",
                "body_text": f"Mensagem {i}",
                "automatic": False,
                "queue": True,
            }
            for i in range(COUNT)
        ]
    )
    smtp_server.set_delay(0.01)  # slow enough for the kill to land mid-batch
    victim = _send_outbox(smtp_server, connections)
    deadline = time.monotonic() + 60
    while len(smtp_server.messages) < 40 and victim.poll() is None:
        assert time.monotonic() < deadline, "the first run sent nothing"
        time.sleep(0.005)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert len(smtp_server.messages) < COUNT  # it died in the middle
    smtp_server.set_delay(0)

    second = _send_outbox(smtp_server, connections)  # sweeps first: the dead worker's work is freed
    _out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err.decode()

    received = Counter(m.message()["Message-ID"].strip("<>") for m in smtp_server.messages)
    assert max(received.values()) == 1  # never twice
    statuses = dict(OutboundMessage.objects.values_list("message_id", "status"))
    assert set(statuses) == {m.message_id for m in messages}
    assert set(statuses.values()) <= {S.SENT, S.UNCERTAIN}
    uncertain = [mid for mid, status in statuses.items() if status == S.UNCERTAIN]
    assert len(uncertain) <= connections  # at most the one each connection was sending
    for mid, status in statuses.items():
        if status == S.SENT:
            assert received[mid] == 1


# Composes COMPOSED messages in batches of 100 (a transaction each), as a workflow that
# answers many cases at once does; run twice, the second run composes only what is missing.
COMPOSED = 2_000
COMPOSER = f"""
import django
django.setup()
from sender import services
for start in range(0, {COMPOSED}, 100):
    services.outbound_compose_many([
        {{"email": None, "case_key": f"bulk:{{i}}", "purpose": "chamado",
          "to": f"pessoa{{i}}@ifes.edu.br", "subject": f"Aviso {{i}}",
          "body_text": f"Mensagem {{i}}", "automatic": False, "queue": True}}
        for i in range(start, start + 100)
    ])
"""


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="another process must see the test database: PostgreSQL (SQLite's is in memory)",
)
def test_a_bulk_composition_killed_midway_then_run_again_composes_each_message_once():
    def composer() -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", COMPOSER],
            cwd=ROOT,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    victim = composer()
    deadline = time.monotonic() + 120
    while OutboundMessage.objects.count() < 300 and victim.poll() is None:
        assert time.monotonic() < deadline, "the first run composed nothing"
        time.sleep(0.005)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    first = OutboundMessage.objects.count()
    assert 0 < first < COMPOSED  # it died in the middle
    assert first % 100 == 0  # a batch is stored whole or not at all

    second = composer()
    _out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err.decode()

    keys = Counter(OutboundMessage.objects.values_list("case_key", flat=True))
    assert len(keys) == COMPOSED and max(keys.values()) == 1
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {S.QUEUED}
    # each message was composed once: created as a draft, then queued, and no more
    history = Counter(
        OutboundStatusChange.objects.values_list("message_id", "from_status", "to_status")
    )
    assert max(history.values()) == 1
    assert {(f, t) for _m, f, t in history} == {("", S.DRAFT), (S.DRAFT, S.QUEUED)}
    assert len(history) == 2 * COMPOSED
