"""Delivery against a real SMTP server (aiosmtpd on loopback, testing/smtp.py)."""

import threading
from email import message_from_bytes, policy
from email.header import decode_header, make_header

import pytest
from django.db import connection

from emails import services as email_services
from sender import delivery, services, throughput
from sender.models import OutboundMessage
from testing.mail import make_raw
from testing.smtp import SmtpServer

pytestmark = pytest.mark.django_db(transaction=True)
S = OutboundMessage.Status
PASSWORD_TOKEN = services.SECRET_TOKEN.format(name="password")


def _request(subject="Solicitação de acesso ao laboratório", sender="Maria <maria@aluno.br>"):
    email, _ = email_services.email_ingest(
        raw=make_raw(subject=subject, from_=sender, headers={"References": "<a@b.example>"})
    )
    return email


def _queued(email=None, **kwargs):
    email = email or _request()
    kwargs.setdefault("body_text", "Olá, segue a resposta.")
    return services.outbound_compose(
        email=email, purpose=kwargs.pop("purpose", "form_request"), queue=True, **kwargs
    )


def _queued_many(count: int, email=None, **kwargs) -> list[OutboundMessage]:
    """`count` queued messages of one case ("mensagem 0", "mensagem 1", ...), approved by
    a person so that the hourly cap holds none."""
    email = email or _request()
    return [
        services.outbound_compose(
            email=email,
            purpose=f"p{i}",
            body_text=f"mensagem {i}",
            queue=True,
            automatic=False,
            **{k: v(i) if callable(v) else v for k, v in kwargs.items()},
        )
        for i in range(count)
    ]


def test_what_the_server_receives(smtp_settings):
    email = _request()
    message = _queued(
        email,
        purpose="credentials",
        body_text=f"Login: maria.souza\nSenha: {PASSWORD_TOKEN}\n",
        secrets={"password": "Kq7#vP2mX9zL"},
        attachments=[("Declaração – João.pdf", "application/pdf", b"%PDF-1.4 teste")],
    )
    report = delivery.outbox_send_due()
    assert (report.sent, report.failed) == (1, 0)
    [received] = smtp_settings.messages
    assert received.rcpt_tos == ["maria@aluno.br"]
    parsed = received.message()
    assert parsed["Message-ID"] == f"<{message.message_id}>"
    assert parsed["In-Reply-To"] == f"<{email.message_id}>"
    assert parsed["References"] == f"<a@b.example> <{email.message_id}>"
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["X-Auto-Response-Suppress"] == "All"
    # the subject travels RFC 2047-encoded and decodes to the original
    raw_subject = next(
        line for line in received.data.split(b"\r\n") if line.lower().startswith(b"subject:")
    )
    assert b"=?utf-8?" in raw_subject.lower()
    assert str(make_header(decode_header(parsed["Subject"]))) == (
        "Re: Solicitação de acesso ao laboratório"
    )
    # RFC 2231 attachment name with accents
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_filename() == "Declaração – João.pdf"
    assert b"filename*=" in received.data
    assert attachment.get_content() == b"%PDF-1.4 teste"
    # the real password was sent; the database keeps only the mask and no secret
    assert "Senha: Kq7#vP2mX9zL" in parsed.get_body(("plain",)).get_content()
    stored = OutboundMessage.objects.get(pk=message.pk)
    assert stored.status == S.SENT and stored.sent_at
    assert "Kq7#vP2mX9zL" not in stored.body_text
    assert stored.secrets_encrypted == ""
    assert stored.smtp_reply.startswith("250")
    assert stored.attempts == 1


def test_a_template_with_an_html_version_sends_both(smtp_settings, settings, tmp_path):
    """A template with an HTML version: text and HTML alternatives, each with the secret
    filled in at send time; the database keeps both masked."""
    (tmp_path / "sender").mkdir()
    (tmp_path / "sender" / "boas_vindas.html").write_text(
        "<p>Olá, {{ nome }}!</p><p>Senha: <b>{{ secret.password }}</b></p>", encoding="utf-8"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    message = services.outbound_compose(
        email=_request(),
        purpose="credentials",
        body_text=f"Olá, Maria!\nSenha: {PASSWORD_TOKEN}\n",
        body_html_template="sender/boas_vindas.html",
        context={"nome": "Maria <Souza>"},
        secrets={"password": "Kq7#vP2mX9zL"},
        queue=True,
    )
    assert delivery.outbox_send_due().sent == 1
    [received] = smtp_settings.messages
    parsed = received.message()
    assert parsed.get_content_type() == "multipart/alternative"
    assert "Senha: Kq7#vP2mX9zL" in parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "<b>Kq7#vP2mX9zL</b>" in html
    assert "Maria &lt;Souza&gt;" in html  # the context is escaped in HTML
    stored = OutboundMessage.objects.get(pk=message.pk)
    assert "Kq7#vP2mX9zL" not in stored.body_html + stored.body_text
    assert f"<b>{services.MASK}</b>" in services.masked(stored.body_html)


def test_reply_to_travels(smtp_settings):
    _queued(reply_to=["Secretaria PPComp <secretaria@ppcomp.example>"])
    assert delivery.outbox_send_due().sent == 1
    [received] = smtp_settings.messages
    assert received.message()["Reply-To"] == "secretaria@ppcomp.example"


def _email_url(settings, url: str) -> None:
    """Configure outgoing mail from an EMAIL_URL, as mailflow.settings does."""
    import environ

    for name, value in environ.Env.email_url_config(url).items():
        setattr(settings, name, value)
    settings.EMAIL_TIMEOUT = 5


def test_starttls_with_auth(settings, smtp_server_tls_auth, monkeypatch):
    server = smtp_server_tls_auth
    monkeypatch.setenv("SSL_CERT_FILE", server.ca_file)  # trust the test CA
    _email_url(settings, f"smtp+tls://{server.user}:{server.password}@localhost:{server.port}")
    _queued()
    report = delivery.outbox_send_due()
    assert report.sent == 1, report.errors
    [received] = server.messages
    assert received.tls and received.authenticated_as == server.user


def test_wrong_smtp_password_is_a_temporary_failure(settings, smtp_server_tls_auth, monkeypatch):
    server = smtp_server_tls_auth
    monkeypatch.setenv("SSL_CERT_FILE", server.ca_file)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "localhost", server.port
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = True, 5
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = server.user, "wrong"
    message = _queued()
    report = delivery.outbox_send_due()
    assert report.sent == 0 and report.retrying == 1
    message.refresh_from_db()
    assert message.status == S.QUEUED and "login SMTP recusado" in message.last_error
    assert "wrong" not in message.last_error
    assert server.messages == []


def test_421_is_retried_with_backoff_then_sent(smtp_settings, settings):
    settings.MAILFLOW_OUTBOX_RETRY_SECONDS = 0  # due again at once, for the test
    smtp_settings.fail_next(1, 421, "4.3.0 Try again later", at="DATA")
    message = _queued()
    first = delivery.outbox_send_due()
    assert (first.sent, first.retrying) == (0, 1)
    message.refresh_from_db()
    assert message.status == S.QUEUED and message.attempts == 1
    assert message.last_error.startswith("421")
    second = delivery.outbox_send_due()
    assert second.sent == 1
    message.refresh_from_db()
    assert message.status == S.SENT and message.attempts == 2
    assert len(smtp_settings.messages) == 1


def test_backoff_grows(smtp_settings, settings):
    from django.utils import timezone

    settings.MAILFLOW_OUTBOX_RETRY_SECONDS = 60
    smtp_settings.fail_next(1, 451, "4.7.1 Greylisted", at="RCPT")
    message = _queued()
    delivery.outbox_send_due()
    message.refresh_from_db()
    wait = (message.next_attempt_at - timezone.now()).total_seconds()
    assert 50 < wait <= 60
    assert delivery.outbox_send_due().claimed == 0  # not due yet


def test_refused_connection_then_success(settings, smtp_server):
    from testing.smtp import free_port_with_nothing_listening

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_TIMEOUT = "127.0.0.1", 5
    settings.EMAIL_PORT = free_port_with_nothing_listening()
    settings.MAILFLOW_OUTBOX_RETRY_SECONDS = 0
    message = _queued()
    report = delivery.outbox_send_due()
    assert report.sent == 0 and report.retrying == 1
    message.refresh_from_db()
    assert message.status == S.QUEUED
    assert message.last_error == "conexão recusada pelo servidor SMTP"
    settings.EMAIL_PORT = smtp_server.port
    assert delivery.outbox_send_due().sent == 1
    assert len(smtp_server.messages) == 1


def test_550_fails_for_good_with_the_reply_kept(smtp_settings):
    smtp_settings.fail_always(550, "5.1.1 No such user", at="RCPT")
    message = _queued()
    report = delivery.outbox_send_due()
    assert report.failed == 1
    message.refresh_from_db()
    assert message.status == S.FAILED
    assert "550 5.1.1 No such user" in message.smtp_reply
    assert delivery.outbox_send_due().claimed == 0


def test_attempts_run_out(smtp_settings, settings):
    settings.MAILFLOW_OUTBOX_RETRY_SECONDS = 0
    settings.MAILFLOW_OUTBOX_MAX_ATTEMPTS = 2
    smtp_settings.fail_next(5, 421, "4.3.0 busy", at="MAIL")
    message = _queued()
    delivery.outbox_send_due()
    delivery.outbox_send_due()
    message.refresh_from_db()
    assert message.status == S.FAILED and message.attempts == 2


def test_crash_between_claim_and_send_is_uncertain_and_not_resent(smtp_settings):
    from datetime import timedelta

    from sender.throughput import Marker, _claim

    message = _queued()
    other = _queued(purpose="other")
    assert _claim(10, "worker-that-dies") == [message.pk, other.pk]
    with Marker("worker-that-dies") as marker:
        assert marker.mark(None, message)  # claimed for sending, committed
    # the worker dies here; later the sweeper runs and a healthy worker polls
    assert delivery.outbox_sweep(older_than=timedelta(0)) == 1
    OutboundMessage.objects.filter(pk=other.pk).update(claimed_at=None)  # lapsed reservation
    report = delivery.outbox_send_due()
    assert report.sent == 1  # the untouched one
    [received] = smtp_settings.messages
    assert received.message()["Message-ID"] == f"<{other.message_id}>"
    message.refresh_from_db()
    assert message.status == S.UNCERTAIN


def test_sent_again_after_confirmation_goes_at_once(smtp_settings, settings, admin_user):
    """An uncertain message a person sends again: no wait for the dead worker's claim to
    lapse, and its attempts start over."""
    from datetime import timedelta

    from sender.throughput import Marker, _claim

    message = _queued()
    assert _claim(10, "worker-that-dies") == [message.pk]
    with Marker("worker-that-dies") as marker:
        assert marker.mark(None, message)
    assert delivery.outbox_sweep(older_than=timedelta(0)) == 1
    OutboundMessage.objects.filter(pk=message.pk).update(
        attempts=settings.MAILFLOW_OUTBOX_MAX_ATTEMPTS
    )
    message.refresh_from_db()
    services.outbound_resolve_uncertain(message=message, actor=admin_user, was_sent=False)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.claimed_by) == (S.QUEUED, 0, "")
    assert delivery.outbox_send_due().sent == 1
    [received] = smtp_settings.messages
    assert received.message()["Message-ID"] == f"<{message.message_id}>"


def test_a_message_discarded_while_its_worker_holds_it_is_not_sent(
    smtp_settings, admin_user, monkeypatch
):
    """A person discards a queued message the running worker has already reserved and
    built: the worker's mark to "sending" finds it discarded, and it sends the others."""

    first, second, third = _queued_many(3)
    build = delivery._build

    def discard_the_second_when_built(message, attachments, **kwargs):
        if message.pk == second.pk:
            services.outbound_discard(
                message=OutboundMessage.objects.get(pk=second.pk),
                actor=admin_user,
                reason="enviado por engano",
            )
        return build(message, attachments, **kwargs)

    monkeypatch.setattr(delivery, "_build", discard_the_second_when_built)
    report = delivery.outbox_send_due()
    assert report.sent == 2
    received = [m.message()["Message-ID"] for m in smtp_settings.messages]
    assert received == [f"<{first.message_id}>", f"<{third.message_id}>"]
    # the server had answered the second's pipelined DATA and waited for its content:
    # only a new session ends that, and without the final dot nothing was delivered
    assert smtp_settings.connections == 2
    second.refresh_from_db()
    assert second.status == S.DISCARDED
    assert list(second.status_changes.values_list("to_status", flat=True)) == [
        S.DRAFT,
        S.QUEUED,
        S.DISCARDED,
    ]


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="several workers need PostgreSQL (the in-memory SQLite test database locks tables)",
)
def test_two_workers_send_every_message_exactly_once(smtp_settings, settings):
    settings.MAILFLOW_OUTBOX_BATCH_SIZE = 7
    ids = [m.pk for m in _queued_many(60)]
    reports = []
    barrier = threading.Barrier(2)

    def worker(name):
        try:
            barrier.wait()
            reports.append(delivery.outbox_send_due(worker=name))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    received_ids = [m.message()["Message-ID"] for m in smtp_settings.messages]
    assert len(received_ids) == 60 and len(set(received_ids)) == 60
    assert sum(r.sent for r in reports) == 60
    assert set(OutboundMessage.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        S.SENT
    }


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="the connections' threads need PostgreSQL"
)
def test_one_run_over_several_connections_sends_every_message_once(
    smtp_settings, settings, monkeypatch
):
    """MAILFLOW_OUTBOX_CONNECTIONS: the connections send side by side, each reserving its
    own messages under a name of its own, and the run reports them all."""

    monkeypatch.setattr(throughput, "CLAIM_SIZE", 5)
    settings.MAILFLOW_OUTBOX_CONNECTIONS = 3
    ids = [m.pk for m in _queued_many(40)]
    report = delivery.outbox_send_due(worker="w")
    assert (report.claimed, report.sent, report.failed) == (40, 40, 0)
    received_ids = [m.message()["Message-ID"] for m in smtp_settings.messages]
    assert len(received_ids) == 40 and len(set(received_ids)) == 40
    assert smtp_settings.connections >= 2
    rows = OutboundMessage.objects.filter(pk__in=ids)
    assert set(rows.values_list("status", flat=True)) == {S.SENT}
    senders = set(rows.values_list("claimed_by", flat=True))
    assert len(senders) >= 2 and senders <= {"w", "w/2", "w/3"}


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="the connections' threads need PostgreSQL"
)
def test_an_error_in_a_connections_thread_reaches_the_caller(smtp_settings, monkeypatch):

    run = delivery._send_due

    def broken_second(limit, worker, *args):
        if worker.endswith("/2"):
            raise RuntimeError("database gone")
        return run(limit, worker, *args)

    monkeypatch.setattr(delivery, "_send_due", broken_second)
    monkeypatch.setattr(throughput, "CLAIM_SIZE", 1)  # more due than the first reserves
    _queued_many(3)
    with pytest.raises(RuntimeError, match="database gone"):
        delivery.outbox_send_due(worker="w", connections=2)
    assert len(smtp_settings.messages) == 3  # the other connection did its part


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="the connections' threads need PostgreSQL"
)
@pytest.mark.parametrize("max_sessions", [1, 2])
def test_a_server_that_takes_fewer_connections_gets_every_message_once(
    settings, monkeypatch, max_sessions
):
    """Four connections asked, the server greets the extra ones with 421 "too many
    connections": the run goes on over those it took, and sends everything in that same
    run, once, with no attempt counted against any message."""
    monkeypatch.setattr(throughput, "CLAIM_SIZE", 5)
    settings.MAILFLOW_OUTBOX_CONNECTIONS = 4
    ids = [m.pk for m in _queued_many(40)]
    with SmtpServer(max_sessions=max_sessions) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        report = delivery.outbox_send_due(worker="w")
        received = [m.message()["Message-ID"] for m in server.messages]
        refused = server.refused_sessions
    assert (report.sent, report.retrying, report.failed, report.uncertain) == (40, 0, 0, 0)
    assert len(received) == len(set(received)) == 40
    assert refused >= 1  # the server did turn connections away
    rows = OutboundMessage.objects.filter(pk__in=ids)
    assert set(rows.values_list("status", "attempts")) == {(S.SENT, 1)}
    assert 1 <= len(set(rows.values_list("claimed_by", flat=True))) <= max_sessions


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="the connections' threads need PostgreSQL"
)
def test_a_small_queue_opens_one_connection(smtp_settings, settings):
    """The extra connections start only when more is due than the first reserves."""
    settings.MAILFLOW_OUTBOX_CONNECTIONS = 4
    _queued_many(5)
    assert delivery.outbox_send_due(worker="w").sent == 5
    assert smtp_settings.connections == 1


def test_inside_a_transaction_one_connection_sends(smtp_settings, settings):
    """Threads could not see rows the caller has not committed: one connection then."""
    from django.db import transaction

    settings.MAILFLOW_OUTBOX_CONNECTIONS = 4
    with transaction.atomic():
        _queued_many(6)
        assert delivery.outbox_send_due().sent == 6
    assert smtp_settings.connections == 1


def test_one_connection_per_batch(smtp_settings):
    _queued_many(5)
    assert delivery.outbox_send_due().sent == 5
    assert smtp_settings.connections == 1


def test_loop_protection_sends_nothing(smtp_settings):
    auto, _ = email_services.email_ingest(
        raw=make_raw(subject="Out of office", headers={"Auto-Submitted": "auto-replied"})
    )
    robot = _request(sender="MAILER-DAEMON@mx.ifes.edu.br")
    _queued(auto)
    _queued(robot)
    assert delivery.outbox_send_due().claimed == 0
    assert smtp_settings.messages == []
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {S.DRAFT}


def test_hourly_cap(smtp_settings, settings):
    settings.MAILFLOW_OUTBOX_HOURLY_CAP = 3
    for i in range(5):
        _queued(_request(subject=f"pedido {i}", sender="aluno@x.br"))
    assert delivery.outbox_send_due().sent == 3
    assert len(smtp_settings.messages) == 3
    assert OutboundMessage.objects.filter(status=S.DRAFT).exclude(held_reason="").count() == 2


def test_send_outbox_command(smtp_settings, capsys):
    from django.core.management import call_command

    _queued()
    call_command("send_outbox")
    assert "sent 1, retrying 0, failed 0, uncertain 0" in capsys.readouterr().out


def test_implicit_tls_smtps(settings, monkeypatch):
    """smtp+ssl:// (port 465 style), with a password that needs URL quoting."""
    from urllib.parse import quote

    from testing.smtp import SmtpServer

    password = "s3nha@do:smtp/#"
    with SmtpServer(implicit_tls=True, auth={"mailflow": password}) as server:
        monkeypatch.setenv("SSL_CERT_FILE", server.ca_file)
        _email_url(
            settings, f"smtp+ssl://mailflow:{quote(password, safe='')}@localhost:{server.port}"
        )
        _queued()
        assert delivery.outbox_send_due().sent == 1
        [received] = server.messages
        assert received.tls and received.authenticated_as == "mailflow"


def test_copy_of_each_sent_message_in_the_sent_folder(
    smtp_settings, settings, dovecot_server, imap_account
):
    from emails.models import Email, Mailbox

    mailbox = Mailbox.objects.create(
        name="secretaria",
        host=dovecot_server.host,
        port=dovecot_server.port,
        security="none",
        username=imap_account.user,
    )
    email_services.mailbox_set_password(mailbox=mailbox, password=imap_account.password)
    settings.MAILFLOW_OUTBOX_SENT_FOLDER = "Enviados"
    dovecot_server.append(imap_account, make_raw(subject="pedido", from_="Ana <ana@x.br>"))
    assert email_services.mailbox_collect(mailbox=mailbox).stored == 1
    request = Email.objects.get(subject="pedido")
    message = _queued(request)
    credentials = _queued(
        request,
        purpose="credentials",
        body_text=f"Senha: {PASSWORD_TOKEN}\n",
        secrets={"password": "Kq7#vP2mX9zL"},
    )
    assert delivery.outbox_send_due().sent == 2
    uids = dovecot_server.uids(imap_account, "Enviados")
    assert len(uids) == 2
    assert "\\Seen" in dovecot_server.flags(imap_account, uids[0], "Enviados")
    copy, credentials_copy = (dovecot_server.fetch(imap_account, u, "Enviados") for u in uids)
    assert f"<{message.message_id}>".encode() in copy
    # the same bytes the SMTP server got (it keeps no final line break)
    assert copy.rstrip() == smtp_settings.messages[0].data.rstrip()
    # the secretariat's copy of the credentials shows the mask, never the password
    assert "Kq7#vP2mX9zL" in smtp_settings.messages[1].message().get_content()
    kept = message_from_bytes(credentials_copy, policy=policy.default)
    assert kept["Message-ID"] == f"<{credentials.message_id}>"
    assert kept.get_content().rstrip() == f"Senha: {services.MASK}"
    assert b"Kq7#vP2mX9zL" not in credentials_copy


def test_a_failed_copy_does_not_touch_the_sent_status(smtp_settings, settings, db):
    from emails.models import Mailbox

    settings.MAILFLOW_OUTBOX_SENT_FOLDER = "Sent"
    email = _request()
    Mailbox.objects.filter(pk=email.mailbox_id).update(
        protocol="imap", host="127.0.0.1", port=1, security="none", username="x"
    )
    message = _queued(email)
    assert delivery.outbox_send_due().sent == 1
    message.refresh_from_db()
    assert message.status == S.SENT


def test_sending_is_committed_before_data_and_one_at_a_time(smtp_settings, monkeypatch):
    """When DATA starts, its message (and no other) is "sending" in the database, as any
    other connection sees it: the previous one is already recorded as sent."""
    from sender.smtp import Sender

    _queued_many(6)
    seen = []
    finish = Sender.finish

    def checked(self, *, data, message, refused):
        sending = list(
            OutboundMessage.objects.filter(status=S.SENDING).values_list("message_id", flat=True)
        )
        seen.append((sending, data))
        return finish(self, data=data, message=message, refused=refused)

    monkeypatch.setattr(Sender, "finish", checked)
    assert delivery.outbox_send_due().sent == 6
    assert len(seen) == 6
    for sending, data in seen:
        assert len(sending) == 1 and f"<{sending[0]}>".encode() in data
    assert len(smtp_settings.messages) == 6


def test_a_421_mid_batch_reconnects_once_and_sends_the_rest(smtp_settings, settings):
    settings.MAILFLOW_OUTBOX_RETRY_SECONDS = 60
    ids = [m.pk for m in _queued_many(4)]
    smtp_settings.fail_next(1, 421, "4.3.0 Try again later", at="DATA")
    report = delivery.outbox_send_due()
    assert (report.sent, report.retrying, report.uncertain) == (3, 1, 0)
    statuses = dict(OutboundMessage.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert statuses == {ids[0]: S.QUEUED, ids[1]: S.SENT, ids[2]: S.SENT, ids[3]: S.SENT}
    assert smtp_settings.connections == 2
    received = [m.message()["Message-ID"] for m in smtp_settings.messages]
    assert len(received) == len(set(received)) == 3


def test_a_421_to_a_pipelined_rcpt_is_retried_and_the_rest_sent(smtp_settings, settings):
    """The server closes the session at RCPT, before any content: that message waits for
    a retry (not uncertain), and a new session sends the others."""
    ids = [m.pk for m in _queued_many(3)]
    smtp_settings.fail_next(1, 421, "4.7.0 Too many errors", at="RCPT")
    report = delivery.outbox_send_due()
    assert (report.sent, report.retrying, report.uncertain) == (2, 1, 0)
    statuses = dict(OutboundMessage.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert statuses == {ids[0]: S.QUEUED, ids[1]: S.SENT, ids[2]: S.SENT}
    assert len(smtp_settings.messages) == 2


def test_a_session_left_waiting_for_content_ends_without_a_word(smtp_settings, monkeypatch):
    """After a pipelined DATA the server reads every line as content until the final dot:
    a run that stops there (a database error, say) closes the socket, never writes QUIT
    (it would wait for an answer that cannot come), and nothing is delivered."""
    import smtplib

    from sender.smtp import Sender

    written = []
    send = smtplib.SMTP.send

    def spied(self, data):
        if self.sock is not None:  # what reaches the server (without a socket: an error)
            written.append(data)
        return send(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", spied)
    with Sender() as sender:
        sender.begin(sender="a@x.br", recipients=["b@x.br"], data=b"Subject: x\r\n\r\nx\r\n")
        assert sender.data_open
        written.clear()
    assert written == []
    assert smtp_settings.messages == []


def test_lines_starting_with_a_dot_arrive_intact(smtp_settings):
    _queued(body_text="Linha 1\n.\n..dois pontos\n.fim")
    assert delivery.outbox_send_due().sent == 1
    body = smtp_settings.messages[0].message().get_content()
    assert ".\n..dois pontos\n.fim" in body.replace("\r\n", "\n")


def test_a_server_without_pipelining_gets_one_command_at_a_time(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    recipients = ["a@x.br", "ninguem@x.br", "b@x.br, c@x.br"]
    messages = _queued_many(3, to=lambda i: recipients[i])
    with SmtpServer(pipelining=False) as server:
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        server.fail_always(550, "5.1.1 No such user", at="RCPT", recipient="ninguem@x.br")
        report = delivery.outbox_send_due()
        received = server.messages
    assert (report.sent, report.failed) == (2, 1)
    assert [(m.rcpt_tos, m.message()["Message-ID"]) for m in received] == [
        (["a@x.br"], f"<{messages[0].message_id}>"),
        (["b@x.br", "c@x.br"], f"<{messages[2].message_id}>"),
    ]


def test_recipients_refused_in_the_middle_do_not_disturb_the_others(smtp_settings):
    smtp_settings.fail_always(550, "5.1.1 No such user", at="RCPT", recipient="ninguem@x.br")
    recipients = ["a@x.br", "ninguem@x.br", "b@x.br", "ninguem@x.br, c@x.br"]
    _queued_many(4, to=lambda i: recipients[i])
    report = delivery.outbox_send_due()
    assert (report.sent, report.failed) == (3, 1)
    assert sorted(r for m in smtp_settings.messages for r in m.rcpt_tos) == [
        "a@x.br",
        "b@x.br",
        "c@x.br",
    ]
    partial = OutboundMessage.objects.get(to="ninguem@x.br, c@x.br")
    assert partial.status == S.SENT and "ninguem@x.br: 550" in partial.smtp_reply


def test_a_message_that_cannot_be_built_fails_alone(smtp_settings):
    email = _request()
    broken = _queued(email, purpose="broken", body_text="x")
    OutboundMessage.objects.filter(pk=broken.pk).update(from_email="a@b.br\nBcc: todos@x.br")
    _queued(email, purpose="fine", body_text="y")
    report = delivery.outbox_send_due()
    assert (report.sent, report.failed) == (1, 1)
    broken.refresh_from_db()
    assert broken.status == S.FAILED and "não foi possível montar a mensagem" in broken.last_error
    assert len(smtp_settings.messages) == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the asynchronous marks are PostgreSQL's"
)
def test_marks_survive_a_lost_prepared_statement(smtp_settings):
    """Behind a pooler in transaction mode the prepared mark may be missing on the server
    session: the plain statement is sent instead, once, and nothing is marked twice."""
    from sender.throughput import Marker, _claim

    message = _queued()
    assert _claim(10, "w") == [message.pk]
    with Marker("w") as marker:
        assert marker.mark(None, None) is False  # opens the connection
        marker.marks.cursor.execute("DEALLOCATE ALL")
        marker.marks._wait()
        assert marker.mark(None, message)
        assert not marker.marks.prepared
        assert marker.mark((message, "250 ok"), None) is False
    message.refresh_from_db()
    assert message.status == S.SENT and message.smtp_reply == "250 ok"
    assert list(message.status_changes.values_list("from_status", "to_status")) == [
        ("", S.DRAFT),
        (S.DRAFT, S.QUEUED),
        (S.QUEUED, S.SENDING),
        (S.SENDING, S.SENT),
    ]


def test_a_non_smtp_backend_gets_the_django_email(settings, mailoutbox):
    """Trial runs use the console backend: the same message, through Django."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    message = _queued(body_text=f"Senha: {PASSWORD_TOKEN}\n", secrets={"password": "Kq7#vP2mX9zL"})
    assert delivery.outbox_send_due().sent == 1
    [mail] = mailoutbox
    assert mail.extra_headers["Message-ID"] == f"<{message.message_id}>"
    assert mail.body == "Senha: Kq7#vP2mX9zL\n"
    message.refresh_from_db()
    assert message.status == S.SENT and message.secrets_encrypted == ""
    assert message.smtp_reply == "accepted by django.core.mail.backends.locmem"


@pytest.mark.parametrize(
    "envelope_from",
    ["secretaria@ppcomp.example", '"Secretaria, PPComp" <secretaria@ppcomp.example>'],
)
def test_work_done_while_the_server_answers_mail_from(smtp_settings, envelope_from):
    """The worker builds the next message between sending MAIL FROM and reading the
    answer: once per transaction, whichever way the address is sent."""
    from sender.smtp import Sender

    calls = []
    data = b"Subject: x\r\nMessage-ID: <m1@ppcomp.example>\r\n\r\nx\r\n"
    with Sender() as sender:
        refused = sender.begin(
            sender=envelope_from,
            recipients=["pessoa@aluno.example"],
            data=data,
            meanwhile=lambda: calls.append(len(smtp_settings.messages)),
        )
        sender.finish(data=data, message=None, refused=refused)
    assert calls == [0]
    [received] = smtp_settings.messages
    assert received.mail_from == "secretaria@ppcomp.example"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the background reservations are PostgreSQL's"
)
def test_background_reservations_keep_order_and_attachments(smtp_settings, settings, monkeypatch):
    """Reservations made in the background while sending (PostgreSQL): every message once,
    in order, each with its own attachment."""

    settings.MAILFLOW_OUTBOX_CONNECTIONS = 1  # one connection's reservations, in order
    monkeypatch.setattr(throughput, "CLAIM_SIZE", 4)
    monkeypatch.setattr(throughput._Reserved, "LOW", 2)
    sent_in_background = []
    send = throughput._AsyncReserve.send

    def counted(self, sql, params):
        sent_in_background.append(params[-1])
        return send(self, sql, params)

    monkeypatch.setattr(throughput._AsyncReserve, "send", counted)
    messages = _queued_many(
        23,
        attachments=lambda i: (
            [(f"anexo-{i}.txt", "text/plain", f"conteúdo {i}".encode())] if i % 3 == 0 else []
        ),
    )
    report = delivery.outbox_send_due()
    assert (report.sent, report.claimed) == (23, 23)
    assert len(sent_in_background) >= 5  # all but the first reservation, and the last look
    received = [m.message() for m in smtp_settings.messages]
    assert [m["Message-ID"] for m in received] == [f"<{m.message_id}>" for m in messages]
    for i, message in enumerate(received):
        files = [part.get_filename() for part in message.iter_attachments()]
        assert files == ([f"anexo-{i}.txt"] if i % 3 == 0 else [])
    assert not OutboundMessage.objects.exclude(claimed_by="").filter(status=S.QUEUED).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the background reservations are PostgreSQL's"
)
def test_a_small_run_needs_no_background_reservation(smtp_settings, monkeypatch):
    """Fewer messages than one reservation asks for: all of them in one query, and no
    connection for more."""

    opened = []
    monkeypatch.setattr(throughput._AsyncReserve, "send", lambda *args: opened.append(args))
    for i in range(3):
        _queued(purpose=f"p{i}", automatic=False)
    assert delivery.outbox_send_due().sent == 3
    assert opened == []
