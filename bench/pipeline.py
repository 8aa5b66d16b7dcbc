"""The whole pipeline: 200 mixed emails arrive in Dovecot at a steady rate; a running
django-q2 cluster (PostgreSQL broker) collects, classifies, opens the cases, approves them
automatically (the policy), generates the documents, creates the accounts on dry-run lab
computers and sends the replies to aiosmtpd. Latency is from an email's arrival in the
mailbox to its reply's arrival at the SMTP server."""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATE = 2.0  # emails per second arriving in the mailbox
COUNT = 200


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(db_url: str, mode: str) -> list[tuple]:
    """Runs inside a configured Django process with a fresh, migrated database."""
    from django.conf import settings

    from acesso.models import LabHost
    from categorizer import services as categorizer
    from emails import services as email_services
    from emails.models import Mailbox
    from mailflow.schedules import schedules_setup
    from testing.dovecot import DovecotServer, dovecot_unavailable_reason
    from testing.pipeline_mail import mixed_mail
    from testing.smtp import SmtpServer

    label = ("with IMAP IDLE" if mode == "idle" else "polling every minute") + f", {RATE:g}/s"
    reason = dovecot_unavailable_reason()
    if reason:
        return [(f"pipeline {label}", "skipped: " + reason, "-", COUNT, False)]
    mail = mixed_mail(COUNT)
    expected = {
        f"pipeline-{n}@test.example" for n, (kind, _raw) in enumerate(mail) if kind != "outro"
    }
    categorizer.model_train()
    schedules_setup()
    LabHost.objects.create(name="lab-01", address="192.0.2.1", dry_run=True)
    LabHost.objects.create(name="lab-02", address="192.0.2.2", dry_run=True)
    smtp = SmtpServer()
    smtp.start()
    processes: list[subprocess.Popen] = []
    with DovecotServer() as dovecot:
        account = dovecot.new_account()
        mailbox = Mailbox.objects.create(
            name="secretaria",
            protocol=Mailbox.Protocol.IMAP,
            host=dovecot.host,
            port=dovecot.port,
            security=Mailbox.Security.NONE,
            username=account.user,
        )
        email_services.mailbox_set_password(mailbox=mailbox, password=account.password)
        env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "SECRET_KEY": settings.SECRET_KEY,
            "EMAIL_URL": f"smtp://{smtp.host}:{smtp.port}",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "MAILFLOW_DEFENSE_APPROVAL": "automatic",
            "MAILFLOW_ACCESS_APPROVAL": "automatic",
            "MAILFLOW_CHAMADO_TO": "coordenacao.ppcomp@ifes.edu.br",
            "MAILFLOW_COORDINATOR_EMAIL": "",
            "MAILFLOW_COORDINATOR_NAME": "Profa. Dra. Coordenadora",
            "Q_CLUSTER_NAME": f"bench{uuid.uuid4().hex[:8]}",
            "REDIS_URL": "",
            "LOG_LEVEL": "WARNING",
        }
        commands = [[sys.executable, "manage.py", "qcluster"]]
        if mode == "idle":
            commands.append([sys.executable, "manage.py", "collect_emails", "--idle"])
        for command in commands:
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        try:
            time.sleep(3)  # the cluster's start-up (its first collection finds nothing)
            arrived: dict[str, float] = {}
            started = time.time()
            for n, (_kind, raw) in enumerate(mail):
                wait = started + n / RATE - time.time()
                if wait > 0:
                    time.sleep(wait)
                dovecot.append(account, raw)
                arrived[f"pipeline-{n}@test.example"] = time.time()
            deadline = time.time() + 300
            replies: dict[str, float] = {}
            while time.time() < deadline:
                replies = {}
                for received in list(smtp.messages):
                    message = received.message()
                    answered = (message["In-Reply-To"] or "").strip("<> ")
                    if answered in expected and received.rcpt_tos != [
                        "coordenacao.ppcomp@ifes.edu.br"
                    ]:
                        replies.setdefault(answered, received.received_at)
                if len(replies) == len(expected):
                    break
                time.sleep(0.5)
        finally:
            for process in processes:
                os.killpg(process.pid, 15)
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, 9)
            smtp.stop()
    latencies = [replies[mid] - arrived[mid] for mid in replies]
    stages = _stages(arrived, replies)
    extra = []
    if mode != "idle":
        from django_q.models import Task

        runs = list(
            Task.objects.filter(func="emails.tasks.collect_all")
            .order_by("started")
            .values_list("started", flat=True)
        )
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(runs)]
        extra.append(
            (
                f"pipeline {label}: longest gap between collections (s)",
                f"{max(gaps, default=0.0):.1f}",
                "-",
                COUNT,
                True,
            )
        )
    total = max(replies.values()) - started if replies else float("nan")
    p50 = statistics.median(latencies) if latencies else float("nan")
    p95 = _percentile(latencies, 0.95) if latencies else float("nan")
    target = 10.0 if mode == "idle" else 60.0 + 10.0
    return [
        (
            f"pipeline {label}: replies received",
            f"{len(replies)}/{len(expected)}",
            "all",
            COUNT,
            len(replies) == len(expected),
        ),
        (f"pipeline {label}: total time (s)", f"{total:.1f}", "-", COUNT, True),
        (f"pipeline {label}: latency p50 (s)", f"{p50:.1f}", "-", COUNT, True),
        (f"pipeline {label}: latency p95 (s)", f"{p95:.1f}", f"< {target:g}", COUNT, p95 < target),
        *(
            (f"pipeline {label}: {stage} p50 / p95 (s)", f"{a:.1f} / {b:.1f}", "-", COUNT, True)
            for stage, (a, b) in stages.items()
        ),
        *extra,
    ]


def _stages(arrived: dict[str, float], replies: dict[str, float]) -> dict[str, tuple]:
    """Where the time goes, per email answered: arrival in the mailbox -> stored by the
    collection -> classified -> its reply queued in the outbox -> sent (marked by the
    worker) -> received by the SMTP server."""
    from emails.models import Email, StatusChange
    from sender.models import OutboundMessage

    emails = {
        e.message_id.strip("<>"): e
        for e in Email.objects.filter(message_id__in=[f"<{m}>" for m in replies] + list(replies))
    }
    classified = {}
    for change in StatusChange.objects.filter(email__in=emails.values()).order_by("at"):
        if change.from_status == Email.Status.RECEIVED:
            classified.setdefault(change.email_id, change.at.timestamp())
    queued, sent = {}, {}
    for message in OutboundMessage.objects.filter(email__in=emails.values()).exclude(
        purpose__in=["chamado", "credentials_copy"]
    ):
        queued.setdefault(message.email_id, message.created_at.timestamp())
        if message.sent_at:
            sent.setdefault(message.email_id, message.sent_at.timestamp())
    spans: dict[str, list[float]] = {}
    for mid, email in emails.items():
        points = [
            ("arrival -> stored", arrived.get(mid), email.received_at.timestamp()),
            ("stored -> classified", email.received_at.timestamp(), classified.get(email.pk)),
            ("classified -> reply queued", classified.get(email.pk), queued.get(email.pk)),
            ("reply queued -> sent", queued.get(email.pk), sent.get(email.pk)),
            ("sent -> received", sent.get(email.pk), replies.get(mid)),
        ]
        for name, start, end in points:
            if start is not None and end is not None:
                spans.setdefault(name, []).append(end - start)
    return {
        name: (statistics.median(values), _percentile(values, 0.95))
        for name, values in spans.items()
    }
