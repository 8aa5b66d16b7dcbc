import contextlib
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from emails import services as email_services
from sender import compose, delivery, services
from sender.models import OutboundMessage, OutboundStatusChange
from testing.mail import make_raw

pytestmark = pytest.mark.django_db
S = OutboundMessage.Status


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("Pedido", "Re: Pedido"),
        ("Re: Pedido", "Re: Pedido"),
        ("RE: Re: res: Pedido", "Re: Pedido"),
        ("RES: Pedido", "Re: Pedido"),
        ("Fwd: Pedido", "Re: Fwd: Pedido"),
        ("", "Re:"),
    ],
)
def test_reply_subject_never_doubles(original, expected):
    assert services.reply_subject(original) == expected


def test_compose_threads_and_is_idempotent(request_email):
    first = services.outbound_compose(email=request_email, purpose="form_request", body_text="Olá")
    again = services.outbound_compose(
        email=request_email, purpose="form_request", body_text="Outro texto"
    )
    assert first.pk == again.pk
    assert OutboundMessage.objects.count() == 1
    assert first.status == S.DRAFT
    assert first.to == "maria.souza@aluno.ifes.edu.br"
    assert first.subject == "Re: Solicitação de acesso ao laboratório"
    assert first.in_reply_to == "<pedido-1@gmail.example>"
    assert first.references == "<anterior@gmail.example> <pedido-1@gmail.example>"
    assert first.message_id.endswith("@localhost")
    other = services.outbound_compose(email=request_email, purpose="credentials", body_text="x")
    assert other.message_id != first.message_id


def test_compose_from_template_masks_secrets(request_email, tmp_path, settings):
    template_dir = tmp_path / "templates"
    (template_dir / "t").mkdir(parents=True)
    (template_dir / "t" / "cred.txt").write_text(
        "Olá {{ name }}, sua senha é {{ secret.password }}.\n{{ program_acronym }}"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [template_dir, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    message = services.outbound_compose(
        email=request_email,
        purpose="credentials",
        template="t/cred.txt",
        context={"name": "Maria"},
        secrets={"password": "Xk9#pL2qRm7v"},
    )
    stored = OutboundMessage.objects.get(pk=message.pk)
    assert "Xk9#pL2qRm7v" not in stored.body_text
    assert "Xk9#pL2qRm7v" not in stored.secrets_encrypted
    assert services.masked(stored.body_text) == "Olá Maria, sua senha é ••••••••.\nPPComp"
    built = compose.build_email(stored)
    assert "sua senha é Xk9#pL2qRm7v." in built.body


def test_automatic_mail_is_never_answered_automatically(db):
    auto, _ = email_services.email_ingest(
        raw=make_raw(subject="Resposta automática", headers={"Auto-Submitted": "auto-replied"})
    )
    message = services.outbound_compose(
        email=auto, purpose="form_request", body_text="x", queue=True
    )
    message.refresh_from_db()
    assert message.status == S.DRAFT
    assert "automatic" in message.held_reason or "automática" in message.held_reason


@pytest.mark.parametrize(
    "sender",
    [
        "MAILER-DAEMON@ifes.edu.br",
        "postmaster@x.org",
        "noreply@sistema.ifes.edu.br",
        "secretaria@localhost",
    ],
)
def test_robot_and_own_addresses_are_held(db, sender):
    email, _ = email_services.email_ingest(raw=make_raw(from_=sender))
    message = services.outbound_compose(
        email=email, purpose="form_request", body_text="x", queue=True
    )
    message.refresh_from_db()
    assert message.status == S.DRAFT and message.held_reason


def test_hourly_cap_holds_the_rest_for_a_person(db, settings, admin_user):
    settings.MAILFLOW_OUTBOX_HOURLY_CAP = 2
    messages = []
    for i in range(3):
        email, _ = email_services.email_ingest(
            raw=make_raw(subject=f"pedido {i}", from_="aluno@x.br")
        )
        messages.append(
            services.outbound_compose(
                email=email, purpose="form_request", body_text="x", queue=True
            )
        )
    statuses = [OutboundMessage.objects.get(pk=m.pk).status for m in messages]
    assert statuses == [S.QUEUED, S.QUEUED, S.DRAFT]
    held = OutboundMessage.objects.get(pk=messages[2].pk)
    assert "aluno@x.br" in held.held_reason
    # a person may still send it
    services.outbound_approve(message=held, actor=admin_user)
    held.refresh_from_db()
    assert held.status == S.QUEUED and held.held_reason == ""


def _automatic_to(address: str, subject: str = "pedido") -> OutboundMessage:
    email, _ = email_services.email_ingest(raw=make_raw(subject=subject, from_=address))
    return services.outbound_compose(email=email, purpose="form_request", body_text="x", queue=True)


def test_the_hourly_cap_counts_whole_addresses_only(db, settings):
    """Mail to joana@x.br is not mail to ana@x.br."""
    settings.MAILFLOW_OUTBOX_HOURLY_CAP = 2
    for i in range(2):
        assert _automatic_to("joana@x.br", f"pedido {i}").status == S.QUEUED
    assert _automatic_to("ana@x.br").status == S.QUEUED
    assert _automatic_to("Joana@X.br", "mais um").status == S.DRAFT  # the same person


def test_the_hourly_cap_forgets_what_went_out_over_an_hour_ago(db, settings):
    settings.MAILFLOW_OUTBOX_HOURLY_CAP = 1
    earlier = _automatic_to("aluno@x.br")
    OutboundMessage.objects.filter(pk=earlier.pk).update(
        status=S.SENT, sent_at=timezone.now() - timedelta(minutes=61)
    )
    assert _automatic_to("aluno@x.br", "outro").status == S.QUEUED
    # one still on its way counts, however old
    assert _automatic_to("aluno@x.br", "mais um").status == S.DRAFT


def _queue_two_at_once(monkeypatch, *, senders: list[str]) -> list[str]:
    """Two workflows answer an email each, every one in its own transaction and thread,
    both checking the caps before either commits (unless a lock makes the second wait
    inside its check for the first's commit). The messages' statuses, sorted."""
    import threading

    from django.db import connection as conn
    from django.db import transaction

    emails = [
        email_services.email_ingest(raw=make_raw(subject=f"pedido {i}", from_=sender))[0]
        for i, sender in enumerate(senders)
    ]
    both_checked = threading.Barrier(2)
    check = services.protection_reason

    def check_then_wait(message):
        reason = check(message)
        # without the lock, both get here before either commits; with it, the second
        # waits inside the check for the first's commit, and the first goes on alone
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait(timeout=2)
        return reason

    def workflow(email):
        try:
            with transaction.atomic():
                services.outbound_compose(
                    email=email, purpose="form_request", body_text="x", queue=True
                )
        finally:
            conn.close()

    monkeypatch.setattr(services, "protection_reason", check_then_wait)
    threads = [threading.Thread(target=workflow, args=(e,)) for e in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(OutboundMessage.objects.values_list("status", flat=True))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)
def test_two_workflows_queuing_at_once_respect_the_cap(settings, monkeypatch):
    """Each checks the cap and queues in its own transaction: without a lock per
    recipient both would see none queued yet and both would pass."""
    settings.MAILFLOW_OUTBOX_HOURLY_CAP = 1
    assert _queue_two_at_once(monkeypatch, senders=["a@x.br", "a@x.br"]) == sorted(
        [S.QUEUED, S.DRAFT]
    )


def test_queuing_asks_for_a_delivery_once_committed(
    request_email, monkeypatch, django_capture_on_commit_callbacks
):
    import django_q.tasks

    queued_tasks = []
    monkeypatch.setattr(
        django_q.tasks, "async_task", lambda func, **kw: queued_tasks.append((func, kw))
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.outbound_compose(email=request_email, purpose="x", body_text="x", queue=True)
        assert queued_tasks == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert queued_tasks == [("sender.tasks.send_outbox", {"task_name": "send_outbox"})]
    # a draft asks for nothing
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.outbound_compose(email=request_email, purpose="y", body_text="y")
    assert callbacks == []


def test_transitions_are_checked_and_audited(request_email, admin_user):
    message = services.outbound_compose(email=request_email, purpose="x", body_text="x")
    with pytest.raises(services.TransitionNotAllowed):
        services.outbound_retry(message=message, actor=admin_user)
    with pytest.raises(services.TransitionNotAllowed):
        services.outbound_resolve_uncertain(message=message, actor=admin_user, was_sent=True)
    services.outbound_approve(message=message, actor=admin_user)
    history = list(
        OutboundStatusChange.objects.filter(message=message).values_list(
            "from_status", "to_status", "actor"
        )
    )
    assert history == [("", "draft", None), ("draft", "queued", admin_user.pk)]


@pytest.mark.parametrize("status", ["draft", "queued", "failed", "uncertain"])
def test_a_person_discards_a_message_that_has_not_left(request_email, admin_user, status):
    message = services.outbound_compose(
        email=request_email,
        purpose="credentials",
        body_text="senha: " + services.SECRET_TOKEN.format(name="password"),
        secrets={"password": "Segredo-Muito-Forte-1"},
    )
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=status, claimed_by="host:1", claimed_at=timezone.now()
    )
    message.refresh_from_db()
    services.outbound_discard(message=message, actor=admin_user, reason="  endereço errado ")
    message.refresh_from_db()
    assert message.status == "discarded"
    assert (message.secrets_encrypted, message.claimed_by, message.claimed_at) == ("", "", None)
    assert message.next_attempt_at is None
    last = OutboundStatusChange.objects.filter(message=message).latest("id")
    assert (last.from_status, last.to_status, last.actor, last.note) == (
        status,
        "discarded",
        admin_user,
        "endereço errado",
    )
    # the same reply composed again is this one, still discarded: nothing goes out
    again = services.outbound_compose(
        email=request_email, purpose="credentials", body_text="x", queue=True
    )
    assert again.pk == message.pk and again.status == "discarded"


@pytest.mark.parametrize("status", ["sending", "sent", "discarded"])
def test_what_is_leaving_or_gone_cannot_be_discarded(request_email, admin_user, status):
    message = services.outbound_compose(email=request_email, purpose="x", body_text="x")
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=status, sent_at=timezone.now() if status == "sent" else None
    )
    with pytest.raises(services.TransitionNotAllowed):
        services.outbound_discard(message=message, actor=admin_user)
    message.refresh_from_db()
    assert message.status == status


def test_a_discard_reason_has_a_limit(request_email, admin_user):
    message = services.outbound_compose(email=request_email, purpose="x", body_text="x")
    with pytest.raises(services.OutboxError, match="1000"):
        services.outbound_discard(message=message, actor=admin_user, reason="x" * 1001)
    message.refresh_from_db()
    assert message.status == "draft"
    services.outbound_discard(message=message, actor=admin_user)
    last = OutboundStatusChange.objects.filter(message=message).latest("id")
    assert last.note == "descartada"


def test_sweeper_turns_stale_sends_uncertain(request_email):
    from sender.throughput import Marker, _claim

    message = services.outbound_compose(email=request_email, purpose="x", body_text="x", queue=True)
    assert _claim(10, "dead-worker") == [message.pk]
    with Marker("dead-worker") as marker:
        assert marker.mark(None, message)  # "sending", committed: DATA would go next
    assert delivery.outbox_sweep(older_than=timedelta(minutes=10)) == 0
    OutboundMessage.objects.filter(pk=message.pk).update(
        claimed_at=timezone.now() - timedelta(minutes=11)
    )
    assert delivery.outbox_sweep(older_than=timedelta(minutes=10)) == 1
    message.refresh_from_db()
    assert message.status == S.UNCERTAIN and message.last_error
    # never picked up again by a worker
    assert _claim(10, "other-worker") == []


def _one_sending_one_reserved(request_email, worker: str):
    """Two messages reserved by `worker`, the first of them marked sending (the state a
    worker killed mid-send leaves)."""
    from sender.throughput import Marker, _claim

    sending, reserved = (
        services.outbound_compose(email=request_email, purpose=p, body_text="x", queue=True)
        for p in ("a", "b")
    )
    assert _claim(10, worker) == [sending.pk, reserved.pk]
    with Marker(worker) as marker:
        assert marker.mark(None, sending)
    return sending, reserved


def _dead_pid() -> int:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.parametrize("connection_suffix", ["", "/2"])
def test_the_sweeper_sees_a_dead_local_worker_at_once(
    request_email, django_capture_on_commit_callbacks, connection_suffix
):
    """A worker of this host whose process is gone (one of its run's connections, too):
    what it was sending becomes uncertain and what it had reserved is free again, without
    waiting for the timeouts."""
    import socket

    from sender.throughput import _claim

    dead = f"{socket.gethostname()}:{_dead_pid()}{connection_suffix}"
    sending, reserved = _one_sending_one_reserved(request_email, dead)
    with django_capture_on_commit_callbacks() as callbacks:
        assert delivery.outbox_sweep(older_than=timedelta(minutes=10)) == 1
    assert len(callbacks) == 1  # a send, for the released message
    sending.refresh_from_db()
    reserved.refresh_from_db()
    assert sending.status == S.UNCERTAIN
    assert reserved.status == S.QUEUED and reserved.claimed_by == ""
    assert _claim(10, "healthy-worker") == [reserved.pk]


@pytest.mark.parametrize(
    "where", ["alive here", "alive here, a second connection", "another host", "unparsable"]
)
def test_the_sweeper_leaves_a_worker_it_cannot_call_dead(request_email, where):
    import socket
    import subprocess
    import sys

    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        worker = {
            "alive here": f"{socket.gethostname()}:{alive.pid}",
            "alive here, a second connection": f"{socket.gethostname()}:{alive.pid}/2",
            "another host": f"elsewhere.example:{_dead_pid()}",
            "unparsable": "worker-without-a-pid",
        }[where]
        sending, reserved = _one_sending_one_reserved(request_email, worker)
        assert delivery.outbox_sweep(older_than=timedelta(minutes=10)) == 0
        sending.refresh_from_db()
        reserved.refresh_from_db()
        assert sending.status == S.SENDING
        assert reserved.claimed_by == worker
    finally:
        alive.kill()
        alive.wait()


def test_a_dead_workers_reservation_lapses(request_email):
    from sender.throughput import _claim, reservation

    message = services.outbound_compose(email=request_email, purpose="x", body_text="x", queue=True)
    assert _claim(10, "dead-worker") == [message.pk]
    assert _claim(10, "other-worker") == []  # reserved
    OutboundMessage.objects.filter(pk=message.pk).update(
        claimed_at=timezone.now() - reservation() - timedelta(seconds=1)
    )
    assert _claim(10, "other-worker") == [message.pk]
    message.refresh_from_db()
    assert message.status == S.QUEUED  # never started: not uncertain


def test_reply_to_our_message_joins_its_case(request_email):
    ours = services.outbound_compose(email=request_email, purpose="form_request", body_text="x")
    reply_raw = make_raw(
        subject="Re: Solicitação de acesso ao laboratório",
        headers={
            "In-Reply-To": f"<{ours.message_id}>",
            "References": f"<pedido-1@gmail.example> <{ours.message_id}>",
        },
    )
    reply, _ = email_services.email_ingest(raw=reply_raw)
    reply.refresh_from_db()
    assert reply.case_id == request_email.pk
    unrelated, _ = email_services.email_ingest(raw=make_raw(subject="outro"))
    unrelated.refresh_from_db()
    assert unrelated.case_id is None


def test_generic_reply_template_in_portuguese(request_email, settings):
    settings.MAILFLOW_SIGNATURE = ""
    message = services.outbound_compose(
        email=request_email,
        purpose="reply",
        template="sender/reply.txt",
        context={"recipient_name": "Maria Souza", "text": "Seu pedido foi recebido."},
    )
    assert message.body_text.startswith("Prezado(a) Maria Souza,\n\nSeu pedido foi recebido.")
    assert "Atenciosamente," in message.body_text
    assert "Secretaria do PPComp" in message.body_text
    assert "Programa de Pós-Graduação em Computação Aplicada" in message.body_text
    assert "Instituto Federal do Espírito Santo – Campus Serra" in message.body_text
    settings.MAILFLOW_SIGNATURE = "Secretaria Acadêmica"
    other = services.outbound_compose(
        email=request_email,
        purpose="reply2",
        template="sender/reply.txt",
        context={"text": "x"},
    )
    assert other.body_text.startswith("Olá,")
    assert other.body_text.rstrip().endswith("--\nSecretaria Acadêmica")


def test_reply_without_threading_headers_joins_by_subject_and_sender(request_email):
    from django.utils import timezone

    ours = services.outbound_compose(email=request_email, purpose="form_request", body_text="x")
    OutboundMessage.objects.filter(pk=ours.pk).update(status=S.SENT, sent_at=timezone.now())
    # a webmail that dropped In-Reply-To/References, answering from the same address
    reply, _ = email_services.email_ingest(
        raw=make_raw(
            subject="RES: Solicitação de acesso ao laboratório",
            from_="Maria Souza <maria.souza@aluno.ifes.edu.br>",
        )
    )
    reply.refresh_from_db()
    assert reply.case_id == request_email.pk
    # the same subject from someone else, or without "Re:", is a new request
    other, _ = email_services.email_ingest(
        raw=make_raw(subject="Re: Solicitação de acesso ao laboratório", from_="x@y.br")
    )
    fresh, _ = email_services.email_ingest(
        raw=make_raw(
            subject="Solicitação de acesso ao laboratório",
            from_="maria.souza@aluno.ifes.edu.br",
        )
    )
    other.refresh_from_db()
    fresh.refresh_from_db()
    assert other.case_id is None and fresh.case_id is None


def test_text_templates_are_not_html_escaped(request_email):
    message = services.outbound_compose(
        email=request_email,
        purpose="reply",
        template="sender/reply.txt",
        context={"recipient_name": "João D'Ávila", "text": "Sala <207> & “Virtual”"},
    )
    assert message.body_text.startswith("Prezado(a) João D'Ávila,\n\nSala <207> & “Virtual”")


def test_a_reservation_takes_no_more_than_asked(request_email):
    """PostgreSQL once ran the LIMITed pick again for each row it updated, each run
    picking new rows: a worker asking for 4 reserved the whole queue."""
    from sender.throughput import _claim

    ids = [
        services.outbound_compose(
            email=request_email, purpose=f"p{i}", body_text="x", queue=True, automatic=False
        ).pk
        for i in range(23)
    ]
    first = _claim(4, "w1")
    assert first == ids[:4]
    assert _claim(4, "w2") == ids[4:8]
    assert OutboundMessage.objects.exclude(claimed_by="").count() == 8


# --- who an automatic message may go to (issue #15) ------------------------------------


def _ingest(**kw):
    return email_services.email_ingest(raw=make_raw(**kw))[0]


def test_trusted_domains_default_to_our_own_and_match_exactly(settings):
    settings.DEFAULT_FROM_EMAIL = "Secretaria <secretaria@ifes.edu.br>"
    settings.MAILFLOW_TRUSTED_DOMAINS = []
    assert services.trusted_domains() == {"ifes.edu.br"}
    assert services.in_trusted_domain("Ana@IFES.edu.br")
    # a subdomain (or a look-alike) is another domain
    assert not services.in_trusted_domain("ana@aluno.ifes.edu.br")
    assert not services.in_trusted_domain("ana@xifes.edu.br")
    assert not services.in_trusted_domain("ana@ifes.edu.br.evil.example")
    settings.MAILFLOW_TRUSTED_DOMAINS = ["ifes.edu.br", " Aluno.IFES.edu.br "]
    assert services.in_trusted_domain("ana@aluno.ifes.edu.br")


def test_an_answer_goes_to_the_sender_not_to_an_outside_reply_to(db, settings):
    settings.MAILFLOW_TRUSTED_DOMAINS = ["ifes.edu.br"]
    email = _ingest(
        from_="Prof <prof@gmail.example>",
        headers={"Reply-To": "a@terceiro.example, b@terceiro.example"},
    )
    message = services.outbound_compose(
        email=email, purpose="form_request", body_text="x", queue=True
    )
    assert (message.to, message.status) == ("prof@gmail.example", S.QUEUED)
    note = message.status_changes.order_by("id").first().note
    assert "Reply-To" in note and "2" in note


def test_a_single_reply_to_in_a_trusted_domain_is_used(db, settings):
    settings.MAILFLOW_TRUSTED_DOMAINS = ["ifes.edu.br"]
    email = _ingest(from_="prof@gmail.example", headers={"Reply-To": "prof@ifes.edu.br"})
    message = services.outbound_compose(
        email=email, purpose="form_request", body_text="x", queue=True
    )
    assert (message.to, message.status) == ("prof@ifes.edu.br", S.QUEUED)


@pytest.mark.parametrize(
    ("to", "queued"),
    [
        ("maria.souza@aluno.ifes.edu.br", True),  # the sender of the request
        ("MARIA.SOUZA@aluno.ifes.edu.br", True),
        ("colega@ifes.edu.br", True),  # a trusted domain
        ("coordenacao@outra.example", True),  # the coordinator, whatever the domain
        ("maria@gmail.example", False),  # read from the body, say
        ("maria@sub.ifes.edu.br", False),
    ],
)
def test_an_automatic_message_goes_only_to_the_sender_or_a_trusted_domain(
    request_email, settings, to, queued
):
    settings.MAILFLOW_TRUSTED_DOMAINS = ["ifes.edu.br"]
    settings.MAILFLOW_COORDINATOR_EMAIL = "Coordenação <coordenacao@outra.example>"
    message = services.outbound_compose(
        email=request_email, purpose="credentials", body_text="x", to=to, queue=True
    )
    assert message.status == (S.QUEUED if queued else S.DRAFT)
    if not queued:
        assert to in message.held_reason


def test_an_automatic_message_to_several_recipients_is_held(request_email, admin_user):
    message = services.outbound_compose(
        email=request_email,
        purpose="form_request",
        body_text="x",
        to=["maria.souza@aluno.ifes.edu.br"],
        cc=["maria.souza@aluno.ifes.edu.br", "outra@aluno.ifes.edu.br"],
        queue=True,
    )
    assert message.status == S.DRAFT and "2" in message.held_reason
    # a person decides
    services.outbound_approve(message=message, actor=admin_user)
    assert message.status == S.QUEUED


def test_a_quoted_comma_in_an_address_never_sends_on_its_own(request_email):
    message = services.outbound_compose(
        email=request_email,
        purpose="credentials",
        body_text="x",
        to='"vitima@alvo.example,x"@aluno.ifes.edu.br',
        queue=True,
    )
    assert message.status == S.DRAFT and message.held_reason


def test_a_long_reason_fits_the_field(db):
    address = "a" * 60 + "@" + "b" * 180 + ".example"
    email = _ingest(from_="aluno@ifes.edu.br")
    message = services.outbound_compose(
        email=email, purpose="credentials", body_text="x", to=address, queue=True
    )
    message.refresh_from_db()
    assert message.status == S.DRAFT
    assert 0 < len(message.held_reason) <= 255


def test_the_global_cap_counts_every_automatic_message(db, settings):
    settings.MAILFLOW_OUTBOX_GLOBAL_HOURLY_CAP = 2
    statuses = [_automatic_to(f"aluno{i}@x.br").status for i in range(3)]
    assert statuses == [S.QUEUED, S.QUEUED, S.DRAFT]
    held = OutboundMessage.objects.get(status=S.DRAFT)
    assert "2" in held.held_reason


def test_the_sender_cap_counts_requests_not_messages(db, settings):
    """A request answered by several messages (credentials and their copy) counts once."""
    settings.MAILFLOW_OUTBOX_SENDER_HOURLY_CAP = 2
    settings.MAILFLOW_COORDINATOR_EMAIL = "coord@ifes.edu.br"
    emails = [_ingest(subject=f"pedido {i}", from_="fora@fora.example") for i in range(3)]
    for purpose in ("authorisation_request", "credentials_copy"):
        message = services.outbound_compose(
            email=emails[0], purpose=purpose, body_text="x", to="coord@ifes.edu.br", queue=True
        )
        assert message.status == S.QUEUED
    second = services.outbound_compose(
        email=emails[1],
        purpose="authorisation_request",
        body_text="x",
        to="coord@ifes.edu.br",
        queue=True,
    )
    assert second.status == S.QUEUED
    third = services.outbound_compose(
        email=emails[2],
        purpose="authorisation_request",
        body_text="x",
        to="coord@ifes.edu.br",
        queue=True,
    )
    assert third.status == S.DRAFT and "fora@fora.example" in third.held_reason
    # another sender is not affected
    other = _ingest(from_="aluna@ifes.edu.br")
    assert (
        services.outbound_compose(
            email=other,
            purpose="authorisation_request",
            body_text="x",
            to="coord@ifes.edu.br",
            queue=True,
        ).status
        == S.QUEUED
    )


def test_the_coordinator_and_the_chamado_are_exempt_from_the_per_recipient_cap(db, settings):
    settings.MAILFLOW_OUTBOX_HOURLY_CAP = 1
    settings.MAILFLOW_COORDINATOR_EMAIL = "coord@ifes.edu.br"
    settings.MAILFLOW_CHAMADO_TO = "chamados@ifes.edu.br"
    for to in ("coord@ifes.edu.br", "chamados@ifes.edu.br"):
        for i in range(3):
            email = _ingest(subject=f"pedido {to} {i}", from_=f"aluno{i}@ifes.edu.br")
            message = services.outbound_compose(
                email=email, purpose="x", body_text="x", to=to, queue=True
            )
            assert message.status == S.QUEUED, message.held_reason
    # anyone else still is
    assert _automatic_to("aluno@x.br").status == S.QUEUED
    assert _automatic_to("aluno@x.br", "outro").status == S.DRAFT


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)
def test_two_workflows_queuing_at_once_respect_the_global_cap(settings, monkeypatch):
    """Two messages to different recipients: only the global cap relates them, so the lock
    must cover it."""
    settings.MAILFLOW_OUTBOX_GLOBAL_HOURLY_CAP = 1
    assert _queue_two_at_once(monkeypatch, senders=["a0@x.br", "a1@x.br"]) == sorted(
        [S.QUEUED, S.DRAFT]
    )
