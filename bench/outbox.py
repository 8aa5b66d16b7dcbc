"""Outbox benchmark: 2,000 queued messages to a loopback aiosmtpd, one and two workers of
one to four SMTP connections, and a worker killed mid-run (nothing may arrive twice)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script too
from bench.env import production_env

ROOT = Path(__file__).resolve().parent.parent


def _env(db_url: str, port: int) -> dict[str, str]:
    return production_env(
        db_url,
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        # a killed worker's untouched reservations free up quickly in the kill test
        MAILFLOW_OUTBOX_RESERVATION_SECONDS="2",
    )


def queue_child(count: int) -> None:
    """Fill the outbox with `count` queued messages (straight rows, for speed)."""
    import django

    django.setup()
    from django.utils import timezone

    from sender.models import OutboundMessage

    now = timezone.now()
    tag = f"{time.time_ns():x}"
    OutboundMessage.objects.bulk_create(
        OutboundMessage(
            purpose="bench",
            idempotency_key=f"bench:{tag}:{i}",
            automatic=False,
            from_email="secretaria@ppcomp.example",
            to=f"pessoa{i}@aluno.example",
            subject=f"Re: Solicitação de acesso #{i}",
            body_text="Prezada(o),\n\nSeu pedido foi recebido e está em análise.\n" * 5,
            message_id=f"bench-{tag}-{i}@ppcomp.example",
            in_reply_to=f"<pedido-{i}@aluno.example>",
            references=f"<pedido-{i}@aluno.example>",
            status=OutboundMessage.Status.QUEUED,
            next_attempt_at=now,
        )
        for i in range(count)
    )


def send_child(synchronized: bool = False) -> None:
    """One worker's run. `synchronized`: say "ready" once Django is loaded, and start when
    the parent says so, so that workers send side by side instead of one sending alone
    (and against the other's start-up) for part of the run."""
    import django

    django.setup()
    from sender import delivery

    if synchronized:
        print("ready", flush=True)
        sys.stdin.readline()
    started_at = time.time()
    started = time.perf_counter()
    cpu = time.process_time()
    report = delivery.outbox_send_due()
    cpu = time.process_time() - cpu
    print(
        json.dumps(
            {
                "sent": report.sent,
                "seconds": time.perf_counter() - started,
                "started_at": started_at,
                "ended_at": time.time(),
                "cpu": cpu,
                "errors": report.errors[:3],
            }
        )
    )


def status_child() -> None:
    import django

    django.setup()
    from datetime import timedelta

    from django.db.models import Count

    from sender import delivery
    from sender.models import OutboundMessage

    delivery.outbox_sweep(older_than=timedelta(0))
    counts = dict(OutboundMessage.objects.values_list("status").annotate(n=Count("id")).order_by())
    print(json.dumps(counts))


def _child(args: list[str], env: dict, stdin=None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, __file__, *args],
        cwd=ROOT,
        env=env,
        stdin=stdin,
        stdout=subprocess.PIPE,
        text=True,
    )


def _wait_ready(procs: list[subprocess.Popen]) -> None:
    """Until every worker is loaded."""
    for proc in procs:
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("a worker did not start")


def _go(procs: list[subprocess.Popen]) -> None:
    """All the loaded workers start."""
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()


def _result(proc: subprocess.Popen) -> dict:
    out, _ = proc.communicate(timeout=600)
    if proc.returncode:
        raise RuntimeError(f"child failed ({proc.returncode})")
    return json.loads(out.strip().splitlines()[-1]) if out.strip() else {}


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state is [0]); [] if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _cpu_seconds(pids: list[int], *, reaped: bool = False) -> float:
    """User + system CPU of these processes so far (Linux /proc); 0 for one gone.
    `reaped`: also what their children that have exited and been waited for used."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields:
            total += sum(int(f) for f in fields[11 : 15 if reaped else 13])
    return total / os.sysconf("SC_CLK_TCK")


class _PostgresCPU:
    """CPU spent by PostgreSQL's processes between `__init__` and `seconds()`, read twice
    and not sampled in between (a sampling thread would take CPU from what it measures):
    the postmaster and its children, plus what the children that exited meanwhile used,
    which the postmaster's counters of reaped children hold. A backend born during the
    run counts from zero."""

    def __init__(self) -> None:
        self.postmasters = [
            pid for pid in _pids() if _comm(pid) == "postgres" and _comm(_parent(pid)) != "postgres"
        ]
        self.before = self._read()
        self.reaped = _cpu_seconds(self.postmasters, reaped=True)

    def _read(self) -> dict[int, float]:
        pids = []
        for postmaster in self.postmasters:
            with contextlib.suppress(OSError):
                children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text()
                pids += [int(pid) for pid in children.split()]
        return {pid: _cpu_seconds([pid]) for pid in pids}

    def seconds(self) -> float:
        """PostgreSQL's CPU seconds so far."""
        time.sleep(0.2)  # the postmaster reaps the workers' backends, just closed
        after = self._read()
        # the postmasters' own CPU and their reaped children's
        reaped = _cpu_seconds(self.postmasters, reaped=True) - self.reaped
        # children alive at the end; one alive at both ends counts its difference
        alive = sum(seconds - self.before.get(pid, 0.0) for pid, seconds in after.items())
        # a child alive at the start that exited meanwhile is in `reaped` with the CPU it
        # had used before the start, which is taken back out
        gone = sum(seconds for pid, seconds in self.before.items() if pid not in after)
        return reaped + alive - gone


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError):
        return 0


def _machine_cpu_seconds() -> tuple[float, float]:
    """CPU time the whole machine has spent busy so far, and the time the hypervisor gave
    its virtual CPUs to others (steal) while they had work (Linux /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, steal = fields[3] + fields[4], fields[7]  # idle + iowait, steal
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:7]) - idle) / tick, steal / tick


class Sink:
    def __init__(self) -> None:
        handle, self.out = tempfile.mkstemp(suffix=".ids")
        os.close(handle)
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "smtp_sink.py"), self.out],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self.port = int(self.proc.stdout.readline())

    def ids(self) -> list[str]:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        ids = [x for x in Path(self.out).read_text().splitlines() if x]
        os.unlink(self.out)
        return ids


def _sent(db_url: str) -> int:
    from urllib.parse import urlsplit

    import psycopg2

    parts = urlsplit(db_url)
    with (
        psycopg2.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password,
            dbname=parts.path.lstrip("/"),
        ) as conn,
        conn.cursor() as cursor,
    ):
        cursor.execute("SELECT count(*) FROM sender_outboundmessage WHERE status = 'sent'")
        return cursor.fetchone()[0]


def _wait_until_sending(db_url: str, victim: subprocess.Popen, messages: int) -> None:
    """Until the victim has sent `messages` more: a kill at a fixed time could land before
    a slow machine has even imported Django, and then it tests nothing."""
    target = _sent(db_url) + messages
    deadline = time.monotonic() + 60
    while _sent(db_url) < target and victim.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)


def smtplib_reference(count: int) -> float:
    """Messages/s of plain smtplib sending prebuilt bytes over one connection to the same
    sink: the yardstick of this machine's speed at the time (the issue quotes ~2,000/s)."""
    import smtplib

    body = "Prezada(o),\r\n\r\nSeu pedido foi recebido e está em análise.\r\n" * 5
    messages = [
        (
            f"pessoa{i}@aluno.example",
            (
                f"Subject: Re: Solicitação #{i}\r\nFrom: secretaria@ppcomp.example\r\n"
                f"To: pessoa{i}@aluno.example\r\nMessage-ID: <ref-{i}@ppcomp.example>\r\n"
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n" + body
            ).encode(),
        )
        for i in range(count)
    ]
    sink = Sink()
    try:
        with smtplib.SMTP("127.0.0.1", sink.port) as client:
            client.ehlo()
            started = time.perf_counter()
            for recipient, data in messages:
                client.sendmail("secretaria@ppcomp.example", [recipient], data)
            return count / (time.perf_counter() - started)
    finally:
        sink.ids()


def _measure(db_url: str, fresh_database, migrate, count: int, workers: int, per_worker: int):
    """One run of `workers` workers with `per_worker` SMTP connections each over `count`
    queued messages, on a fresh database: its rate (msg/s), its wall time with start-up,
    and its CPU seconds (workers, sink, PostgreSQL, the rest, stolen)."""
    label = f"{workers} worker(s) x {per_worker} connection(s)"
    fresh_database(db_url)
    migrate(db_url)
    sink = Sink()
    env = {**_env(db_url, sink.port), "MAILFLOW_OUTBOX_CONNECTIONS": str(per_worker)}
    _result(_child(["--queue", str(count)], env))
    started = time.perf_counter()
    procs = [_child(["--send", "--together"], env, subprocess.PIPE) for _ in range(workers)]
    # CPU from the start signal on: the workers' start-up is not counted
    _wait_ready(procs)
    sink_cpu = _cpu_seconds([sink.proc.pid])
    machine_cpu = _machine_cpu_seconds()
    postgres = _PostgresCPU()
    _go(procs)
    results = [_result(p) for p in procs]
    wall = time.perf_counter() - started
    sink_cpu = _cpu_seconds([sink.proc.pid]) - sink_cpu
    machine_cpu, stolen = (
        after - before for after, before in zip(_machine_cpu_seconds(), machine_cpu, strict=True)
    )
    postgres_cpu = postgres.seconds()
    ids = sink.ids()
    sent = sum(r["sent"] for r in results)
    if sent != count or len(ids) != count or len(set(ids)) != count:
        raise RuntimeError(
            f"{label}: sent {sent}, received {len(ids)} ({len(set(ids))} distinct): {results}"
        )
    # the rate over the sending itself, from the first worker's start to the last one's
    # end (the workers start together once loaded: process start and Django import
    # excluded); the wall time includes them
    busy = max(r["ended_at"] for r in results) - min(r["started_at"] for r in results)
    # from the start signal to the workers' exit: "the rest" is mostly the kernel
    # (loopback TCP), plus whatever else ran meanwhile, by difference (the machine's and
    # the processes' counters tick apart: about +-0.2 ms); "stolen" is time this VM wanted
    # a CPU and the hypervisor ran something else
    worker_cpu = sum(r["cpu"] for r in results)
    rest = machine_cpu - worker_cpu - sink_cpu - postgres_cpu
    return count / busy, wall, (worker_cpu, sink_cpu, postgres_cpu, rest, stolen)


def run(db_url: str, fresh_database, migrate, count: int = 2_000) -> list[tuple]:
    """Each setup (BENCH_OUTBOX_WORKERS: workers x connections each) runs
    BENCH_OUTBOX_RUNS times (default 3), each just after the smtplib yardstick: this
    machine's speed drifts by a third from one minute to the next (a shared VM), so every
    run is shown beside the yardstick taken at its side, and the best run is the figure,
    as timeit does (slower runs are the machine's interference, not the code's)."""
    runs = int(os.environ.get("BENCH_OUTBOX_RUNS", "3"))
    setups = os.environ.get("BENCH_OUTBOX_WORKERS", "1x1,1x2,1x4,2x1,2x2").split(",")
    references: list[float] = []
    rows: list[tuple] = []
    for setup in setups:
        workers, per_worker = (int(n) for n in setup.split("x"))
        label = f"{workers} worker(s) x {per_worker} connection(s)"
        measured = []
        for _ in range(runs):
            references.append(smtplib_reference(count))
            measured.append(
                (
                    *_measure(db_url, fresh_database, migrate, count, workers, per_worker),
                    references[-1],
                )
            )
        best_rate, wall, cpu, _reference = max(measured, key=lambda run: run[0])
        rows.append(
            (
                f"outbox, {label} (msg/s), best of {runs}",
                f"{best_rate:,.0f}",
                ">= 1,000",
                count,
                best_rate >= 1000,
            )
        )
        rows.append(
            (
                f"outbox, {label}, each run (msg/s) / smtplib yardstick just before",
                "  ".join(f"{rate:,.0f}/{ref:,.0f}" for rate, _wall, _cpu, ref in measured),
                "-",
                count,
                True,
            )
        )
        rows.append(
            (
                f"outbox, {label}, best run, CPU ms/msg: "
                "workers / sink / PostgreSQL / rest / stolen",
                " / ".join(f"{seconds * 1000 / count:.2f}" for seconds in cpu),
                "-",
                count,
                True,
            )
        )
        rows.append(
            (
                f"outbox, {label}, best run, wall incl. start-up (s)",
                f"{wall:.1f}",
                "-",
                count,
                True,
            )
        )
    references.sort()
    rows.insert(
        0,
        (
            "reference: smtplib, prebuilt bytes, 1 connection (msg/s), lowest-median-highest",
            " - ".join(f"{references[i]:,.0f}" for i in (0, len(references) // 2, -1)),
            "-",
            count,
            True,
        ),
    )
    for per_worker in (1, 4):  # one connection, and the default
        rows += _kill_rows(db_url, fresh_database, migrate, count, per_worker)
    return rows


def _kill_rows(db_url: str, fresh_database, migrate, count: int, per_worker: int) -> list[tuple]:
    """A worker (with `per_worker` SMTP connections) killed in the middle of a run, three
    times: nothing may arrive twice, and each kill leaves at most one message per connection
    uncertain."""
    fresh_database(db_url)
    migrate(db_url)
    sink = Sink()
    env = {**_env(db_url, sink.port), "MAILFLOW_OUTBOX_CONNECTIONS": str(per_worker)}
    _result(_child(["--queue", str(count)], env))
    uncertain = 0
    kills = 3
    for kill in range(kills):
        victim = _child(["--send"], env)
        # after a number of messages that falls on no batch boundary
        _wait_until_sending(db_url, victim, messages=(101, 137, 173)[kill])
        victim.kill()
        victim.wait()
        status = _result(_child(["--status"], env))
        uncertain = status.get("uncertain", 0)
    time.sleep(2.5)  # the last victim's untouched reservations lapse
    _result(_child(["--send"], env))
    status = _result(_child(["--status"], env))
    ids = sink.ids()
    duplicates = len(ids) - len(set(ids))
    worker = f"a worker with {per_worker} connection(s)"
    complete = status.get("sent", 0) + status.get("uncertain", 0) == count
    return [
        (f"duplicates after 3 SIGKILLs of {worker}", str(duplicates), "0", count, not duplicates),
        (
            f"uncertain after 3 SIGKILLs of {worker} (a person decides)",
            str(uncertain),
            f"<= {kills * per_worker} ({per_worker} a kill)",
            count,
            uncertain <= kills * per_worker,
        ),
        (
            f"every message sent or uncertain ({worker})",
            "yes" if complete else "NO",
            "yes",
            count,
            complete,
        ),
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1] == "--queue":
        queue_child(int(sys.argv[2]))
    elif sys.argv[1] == "--send":
        send_child(synchronized="--together" in sys.argv)
    elif sys.argv[1] == "--status":
        status_child()
