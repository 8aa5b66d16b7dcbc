"""Whole-process figures: a `manage.py` command as cron runs it, start-up included, timed
from outside (fork, interpreter, Django, the work, exit), against PostgreSQL and Dovecot.

- the empty poll: `collect_emails` with nothing new (median of several runs);
- `collect_emails` of 2,000 mixed messages into an empty database, start-up included;
- `process_pending` with nothing due (median of several runs).

The commands run without PYTHONDONTWRITEBYTECODE, after one run that writes the bytecode
caches: a deployed mailflow has them, and compiling every module anew is not start-up cost.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.env import precompile, production_env

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_PROCESS_RUNS", "7"))
COLLECT_SIZE = 2_000


def _env(db_url: str, imap_url: str) -> dict[str, str]:
    return production_env(db_url, IMAP_URL=imap_url)


def _command(env: dict[str, str], *args: str) -> tuple[float, str]:
    """Run `manage.py ARGS` in a fresh process: (wall seconds, its output)."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if out.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed: {out.stdout}{out.stderr}")
    return elapsed, out.stdout


def _median(env: dict[str, str], *args: str) -> float:
    return statistics.median(_command(env, *args)[0] for _ in range(RUNS))


SECTIONS = ("collect-2000", "empty-poll", "pending", "start-up")


def run(db_url: str, fresh_database, migrate, only: str | None = None) -> list[tuple]:
    """Every row, or the one named (`bench/run.py --only process-SECTION`)."""
    from bench.mixed import mixed_mailbox
    from testing.dovecot import DovecotServer

    wanted = SECTIONS if only is None else (only,)
    precompile()
    rows = []
    with DovecotServer() as server:
        fresh_database(db_url)
        migrate(db_url)
        account = server.new_account()
        size = COLLECT_SIZE if "collect-2000" in wanted else 20
        server.append_many(account, mixed_mailbox(size, 0))
        env = _env(db_url, server.imap_url(account))
        seconds, output = _command(env, "collect_emails")
        stored = re.search(r"stored (\d+)", output)
        ok = stored is not None and int(stored.group(1)) == size
        if "collect-2000" in wanted:
            rate = size / seconds
            rows.append(
                (
                    f"collect_emails of {size:,} mixed msgs, whole process (msg/s)",
                    f"{rate:,.0f}" + ("" if ok else f" ({output.strip()})"),
                    ">= 1,000",
                    size,
                    ok and rate >= 1000,
                )
            )
        if "empty-poll" in wanted:
            empty = _median(env, "collect_emails")
            rows.append(
                (
                    f"collect_emails, nothing new, whole process (s, median of {RUNS})",
                    f"{empty:.3f}",
                    "<= 0.35",
                    size,
                    empty <= 0.35,
                )
            )
        if "pending" in wanted:
            # What the collection left due (the classification) runs first, once.
            _command(env, "process_pending")
            pending = _median(env, "process_pending")
            rows.append(
                (
                    f"process_pending, nothing due, whole process (s, median of {RUNS})",
                    f"{pending:.3f}",
                    "-",
                    size,
                    True,
                )
            )
        if "start-up" in wanted:
            start_up = _median(env, "check", "--tag", "mailflow")
            rows.append(
                (
                    f"manage.py check --tag mailflow, start-up alone (s, median of {RUNS})",
                    f"{start_up:.3f}",
                    "-",
                    1,
                    True,
                )
            )
    return rows
