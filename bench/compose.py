"""Composing and queueing in bulk: 2,000 messages in one transaction with
sender.services.outbound_compose_many (bulk inserts of the messages and their history,
one delivery task), on a fresh database. The issue's yardstick: post_office's mail.send
of 2,000 messages, about 1,100/s on the same machine."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script too
from bench.env import production_env

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1_500  # msg/s


def _specs(count: int, tag: str) -> list[dict]:
    return [
        {
            "email": None,
            "case_key": f"bench:{tag}:{i}",
            "purpose": "chamado",
            "to": f"pessoa{i}@aluno.example",
            "subject": f"Re: Solicitação de acesso #{i}",
            "body_text": "Prezada(o),\n\nSeu pedido foi recebido e está em análise.\n" * 5,
            "automatic": False,
            "queue": True,
        }
        for i in range(count)
    ]


def child(count: int) -> None:
    """In a process of its own: the best of three batches of `count` (each a new set of
    cases), with Django loaded before the clock starts."""
    import django

    django.setup()
    from sender import services
    from sender.models import OutboundMessage

    rates = []
    for run in range(3):
        specs = _specs(count, f"{time.time_ns():x}-{run}")
        started = time.perf_counter()
        messages = services.outbound_compose_many(specs)
        rates.append(count / (time.perf_counter() - started))
        queued = OutboundMessage.objects.filter(
            pk__in=[m.pk for m in messages], status=OutboundMessage.Status.QUEUED
        ).count()
        if queued != count:
            raise RuntimeError(f"{queued} of {count} queued")
    print(json.dumps(rates))


def run(db_url: str, fresh_database, migrate, count: int = 2_000) -> list[tuple]:
    fresh_database(db_url)
    migrate(db_url)
    env = production_env(db_url)
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(count)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rates = json.loads(out.strip().splitlines()[-1])
    best = max(rates)
    return [
        (
            f"compose+queue {count:,} (bulk) (msg/s), best of {len(rates)}",
            f"{best:,.0f}",
            f">= {TARGET:,}",
            count,
            best >= TARGET,
        ),
        (
            f"compose+queue {count:,} (bulk), each run (msg/s)",
            "  ".join(f"{rate:,.0f}" for rate in rates),
            "-",
            count,
            True,
        ),
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1] == "--child":
        child(int(sys.argv[2]))
