"""A real `send_outbox` process SIGKILLed in the middle of a batch, then another run: every
message arrives exactly once or is uncertain for a person, never twice (PostgreSQL, a real
SMTP server, real processes)."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from sender import services
from sender.models import OutboundMessage

pytestmark = pytest.mark.django_db(transaction=True)
S = OutboundMessage.Status
ROOT = Path(__file__).resolve().parents[2]
COUNT = 300


def _send_outbox(smtp_server, connections: int) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mailflow.settings_test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "EMAIL_URL": f"smtp://{smtp_server.host}:{smtp_server.port}",
        "MAILFLOW_OUTBOX_CONNECTIONS": str(connections),
        "LOG_LEVEL": "WARNING",
    }
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
