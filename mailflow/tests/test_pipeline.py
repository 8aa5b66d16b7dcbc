"""The whole system, unattended: 200 mixed emails in Dovecot, real django-q2 clusters (killed
with SIGKILL and restarted), PostgreSQL, aiosmtpd; automatic approval on, lab computers in
dry-run mode. At the end every email is stored once, every case is finished, and each
reply reached the SMTP server exactly once (messages a kill left uncertain are shown to
staff and never resent)."""

from __future__ import annotations

import os
import random
import time
import uuid
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection

from acesso.models import AccessRequest, AccessStatusChange, LabHost
from defesa.models import DefenseRequest, DefenseStatusChange
from emails import services as email_services
from emails.models import Email, Mailbox
from mailflow.schedules import schedules_setup
from sender.models import OutboundMessage
from testing.pipeline_mail import mixed_mail
from testing.processes import child_env
from testing.qcluster import Cluster

pytestmark = pytest.mark.django_db(transaction=True)

CHAMADO_TO = "coordenacao.ppcomp@ifes.edu.br"
POLICY = {
    "MAILFLOW_DEFENSE_APPROVAL": "automatic",
    "MAILFLOW_ACCESS_APPROVAL": "automatic",
    "MAILFLOW_CHAMADO_TO": CHAMADO_TO,
    "MAILFLOW_COORDINATOR_EMAIL": "",
    "MAILFLOW_COORDINATOR_NAME": "Profa. Dra. Coordenadora",
}
S = OutboundMessage.Status


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        reason = "the pipeline tests need PostgreSQL (set DATABASE_URL)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def mailbox(dovecot_server, imap_account):
    mailbox = Mailbox.objects.create(
        name="secretaria",
        protocol=Mailbox.Protocol.IMAP,
        host=dovecot_server.host,
        port=dovecot_server.port,
        security=Mailbox.Security.NONE,
        username=imap_account.user,
    )
    email_services.mailbox_set_password(mailbox=mailbox, password=imap_account.password)
    return mailbox


@pytest.fixture
def mail(dovecot_server, imap_account, mailbox):
    mail = mixed_mail(200)
    dovecot_server.append_many(imap_account, [raw for _kind, raw in mail])
    LabHost.objects.create(name="lab-01", address="192.0.2.1", dry_run=True)
    LabHost.objects.create(name="lab-02", address="192.0.2.2", dry_run=True)
    return mail


def _cluster_env(settings, smtp_server, **extra) -> dict[str, str]:
    cluster = dict(
        EMAIL_URL=f"smtp://{smtp_server.host}:{smtp_server.port}",
        DEFAULT_FROM_EMAIL=settings.DEFAULT_FROM_EMAIL,
        MAILFLOW_STUCK_SECONDS="5",
        # A message a kill left "sending" becomes uncertain at the next sweep after this.
        MAILFLOW_OUTBOX_STALE_SECONDS="10",
        # A collection killed mid-batch blocks its mailbox this long.
        MAILFLOW_COLLECT_LOCK_SECONDS="5",
        Q_WORKERS="2",
        # Generous: CI machines are busy; a task killed by its timeout is retried anyway.
        Q_TIMEOUT="60",
        Q_RETRY="70",
        Q_CLUSTER_NAME=f"t{uuid.uuid4().hex[:10]}",
        REDIS_URL="",
        LOG_LEVEL="INFO",
    )
    return child_env(inherit=False, **{**cluster, **POLICY, **extra})


def _unfinished() -> list[str]:
    """What still keeps the run from being finished ([] when done)."""
    left = []
    stored = Email.objects.count()
    if stored < 200:
        left.append(f"{stored} emails stored")
    uncertain_cases = set(
        OutboundMessage.objects.filter(status=S.UNCERTAIN).values_list("email_id", flat=True)
    )
    open_emails = (
        Email.objects.exclude(status__in=["done", "ignored"])
        .exclude(pk__in=uncertain_cases)
        .count()
    )
    if open_emails:
        left.append(f"{open_emails} emails not finished")
    pending = list(
        OutboundMessage.objects.filter(status__in=[S.DRAFT, S.QUEUED, S.SENDING]).values_list(
            "status", flat=True
        )
    )
    if pending:
        left.append(f"{len(pending)} messages not sent ({dict(Counter(pending))})")
    return left


def _wait_until_finished(clusters, deadline_s: float) -> None:
    started = time.monotonic()
    deadline = started + deadline_s
    shown = None
    while time.monotonic() < deadline:
        left = _unfinished()
        if not left:
            print(f"finished {time.monotonic() - started:.1f} s after the last start")
            return
        if left != shown:
            print(f"{time.monotonic() - started:5.1f} s: {left}")
            shown = left
        time.sleep(1)
    logs = "\n\n".join(c.log_tail(200) for c in clusters)
    mailboxes = list(Mailbox.objects.values_list("name", "last_error", "locked_until"))
    pytest.fail(f"not finished: {_unfinished()}\nmailboxes: {mailboxes}\n{logs}")


def _check_outcome(mail, smtp_server, kills: int) -> None:
    # every email stored once
    assert Email.objects.count() == 200
    assert Email.objects.values("message_id").distinct().count() == 200
    expected = Counter(kind for kind, _raw in mail)
    assert Counter(Email.objects.values_list("kind", flat=True)) == expected
    # each case once
    assert DefenseRequest.objects.count() == expected["defesa"]
    assert AccessRequest.objects.count() == expected["acesso"]
    # messages: sent ones reached the server exactly once, none twice, none unknown
    received = Counter(m.message()["Message-ID"].strip("<>") for m in smtp_server.messages)
    assert all(count == 1 for count in received.values()), received.most_common(3)
    ours = dict(OutboundMessage.objects.values_list("message_id", "status"))
    assert set(received) <= set(ours)
    uncertain = [mid for mid, status in ours.items() if status == S.UNCERTAIN]
    assert len(uncertain) <= kills
    for message_id, status in ours.items():
        if status == S.SENT:
            assert received[message_id] == 1, message_id
        else:
            assert status == S.UNCERTAIN, (message_id, status)
    # one reply per case: documents to each professor, credentials to each student
    per_case = Counter(
        OutboundMessage.objects.exclude(purpose="chamado").values_list("email_id", flat=True)
    )
    assert len(per_case) == expected["defesa"] + expected["acesso"]
    assert set(per_case.values()) == {1}
    assert OutboundMessage.objects.filter(purpose="chamado").count() == expected["defesa"]
    # no step taken twice
    approvals = Counter(
        DefenseStatusChange.objects.filter(to_status="approved").values_list(
            "defense_id", flat=True
        )
    )
    assert set(approvals.values()) == {1}
    answered = Counter(
        AccessStatusChange.objects.filter(to_status="sent").values_list("request_id", flat=True)
    )
    assert set(answered.values()) == {1}
    # finished cases: all but those whose message is uncertain
    uncertain_cases = set(
        OutboundMessage.objects.filter(status=S.UNCERTAIN).values_list("email_id", flat=True)
    )
    for email in Email.objects.exclude(pk__in=uncertain_cases):
        assert email.status == ("ignored" if email.kind == "outro" else "done"), email
    assert (
        DefenseRequest.objects.exclude(email_id__in=uncertain_cases).exclude(status="sent").count()
        == 0
    )


def test_killed_clusters_lose_and_repeat_nothing(
    mail, settings, smtp_server, tmp_path, categorizer_model
):
    _require_postgresql()
    settings.MAILFLOW_SWEEP_MINUTES = 1  # the schedules' row; the sweeper looks every minute
    schedules_setup()
    cluster = Cluster(_cluster_env(settings, smtp_server), tmp_path / "cluster.log")
    rng = random.Random()
    seed = rng.randrange(1_000_000)
    rng.seed(seed)
    try:
        for _kill in range(5):
            cluster.start()
            time.sleep(rng.uniform(2.0, 6.0))
            cluster.kill()
        cluster.start()
        _wait_until_finished([cluster], deadline_s=240)
    finally:
        cluster.stop()
    uncertain = OutboundMessage.objects.filter(status=S.UNCERTAIN).count()
    print(f"random seed {seed}; uncertain: {uncertain}")
    _check_outcome(mail, smtp_server, kills=cluster.kills)


def test_two_clusters_on_redis_share_the_work(
    mail, settings, smtp_server, tmp_path, categorizer_model
):
    _require_postgresql()
    redis_url = os.environ.get("MAILFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    _require_redis(redis_url)
    schedules_setup()
    env = _cluster_env(settings, smtp_server, REDIS_URL=redis_url)
    clusters = [Cluster(env, tmp_path / f"cluster-{n}.log", name=f"c{n}") for n in (1, 2)]
    try:
        for cluster in clusters:
            cluster.start()
        _wait_until_finished(clusters, deadline_s=240)
    finally:
        for cluster in clusters:
            cluster.stop()
    _check_outcome(mail, smtp_server, kills=0)
    assert not OutboundMessage.objects.filter(status=S.UNCERTAIN).exists()


def test_process_pending_without_a_cluster(mail, settings, smtp_settings, categorizer_model):
    for name, value in POLICY.items():
        setattr(settings, name, value)
    call_command("collect_emails")
    for _round in range(3):  # cron: collection, steps, outbox, steps again
        call_command("process_pending")
        call_command("send_outbox")
    assert _unfinished() == []
    _check_outcome(mail, smtp_settings, kills=0)


def _require_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        reason = f"Redis is not reachable at {url}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def categorizer_model(db):
    """A trained classifier, so no cluster spends its first task training one."""
    from categorizer import services

    services.model_train()
