"""Tests of the SMTP test server (testing/smtp.py) and its pytest fixtures.

Most go through Django's own SMTP backend, the way the outbox will. None needs the database.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import threading
import time

import pytest
from django.core import mail
from django.core.mail import EmailMessage, get_connection

from testing.dovecot import _write_certificates
from testing.smtp import (
    DATA_SIZE_LIMIT,
    SmtpServer,
    free_port_with_nothing_listening,
)

# Registers the fixtures when this file runs on its own (a no-op once the root conftest does).
pytest_plugins = ["testing.fixtures"]

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

RAW = (
    "From: Alice <alice@example.org>\r\n"
    "To: Bob <bob@example.org>\r\n"
    "Subject: =?utf-8?q?Reuni=C3=A3o?=\r\n"
    "Message-ID: <raw.1@example.org>\r\n"
    "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Olá, reunião amanhã.\r\n"
    ".a line starting with a dot (dot-stuffed on the wire)\r\n"
    "..two dots\r\n"
    ".\r\n"
    "last line\r\n"
).encode()


def django_message(subject: str, to: list[str] | None = None, **kwargs) -> EmailMessage:
    return EmailMessage(
        subject,
        f"Body of {subject}.\n",
        "Secretaria <secretaria@example.org>",
        to or ["bob@example.org"],
        **kwargs,
    )


def tls_auth_connection(server: SmtpServer, **kwargs):
    params = {
        "backend": SMTP_BACKEND,
        "host": server.host,
        "port": server.port,
        "use_tls": True,
        "username": server.user,
        "password": server.password,
        "timeout": 5,
    }
    params.update(kwargs)
    return get_connection(**params)


# --------------------------------------------------------------------------------------------
# Plain server, recording


def test_ehlo_advertises_size_8bitmime_smtputf8_pipelining_and_nothing_else(smtp_server):
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        client.ehlo()
        assert client.has_extn("8bitmime")
        assert client.has_extn("smtputf8")
        assert client.has_extn("pipelining")
        assert int(client.esmtp_features["size"]) >= 50 * 1000 * 1000
        assert int(client.esmtp_features["size"]) == DATA_SIZE_LIMIT
        assert not client.has_extn("starttls")
        assert not client.has_extn("auth")
        code, _ = client.docmd("AUTH", "PLAIN AGFiAGM=")
        assert code == 502


def test_a_pipelined_group_is_answered_in_order():
    with SmtpServer() as server, smtplib.SMTP(server.host, server.port, timeout=5) as client:
        client.ehlo()
        client.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n")
        assert [client.getreply()[0] for _ in range(3)] == [250, 250, 354]
        client.send(b"Subject: piped\r\n\r\nx\r\n.\r\n")
        assert client.getreply()[0] == 250
        assert server.wait_for(1)[0].message()["Subject"] == "piped"
    with SmtpServer(pipelining=False) as server, smtplib.SMTP(server.host, server.port) as client:
        client.ehlo()
        assert not client.has_extn("pipelining")


def test_plain_send_is_recorded_byte_for_byte(smtp_server):
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        refused = client.sendmail(
            "alice@example.org",
            ["bob@example.org", "carol@example.org"],
            RAW,
            mail_options=["BODY=8BITMIME"],
        )
    assert refused == {}
    [received] = smtp_server.wait_for(1)
    assert received.data == RAW  # dot-unstuffed, 8-bit bytes untouched
    assert received.mail_from == "alice@example.org"
    assert received.rcpt_tos == ["bob@example.org", "carol@example.org"]
    assert received.peer[0] == "127.0.0.1"
    assert received.authenticated_as is None
    assert received.tls is False
    assert "BODY=8BITMIME" in received.mail_options
    parsed = received.message()
    assert parsed["Subject"] == "Reunião"
    assert parsed["Message-ID"] == "<raw.1@example.org>"
    assert parsed.get_content().startswith("Olá, reunião amanhã.\n")


def test_smtputf8_addresses(smtp_server):
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        client.sendmail(
            "secretária@example.org",
            ["joão@exemplo.br"],
            b"Subject: utf8\r\n\r\nhi\r\n",
            mail_options=["SMTPUTF8"],
        )
    [received] = smtp_server.wait_for(1)
    assert received.mail_from == "secretária@example.org"
    assert received.rcpt_tos == ["joão@exemplo.br"]
    assert "SMTPUTF8" in received.mail_options


def test_django_send_is_recorded_with_its_headers(smtp_settings):
    message = django_message(
        "Convocação",
        to=["bob@example.org"],
        cc=["carol@example.org"],
        bcc=["dave@example.org"],
        headers={"Message-ID": "<fixed.1@example.org>", "Date": "Mon, 01 Jan 2024 10:00:00 +0000"},
    )
    assert message.send() == 1
    [received] = smtp_settings.wait_for(1)
    # What Django's backend hands to smtplib, byte for byte.
    assert received.data == message.message().as_bytes(linesep="\r\n")
    assert received.mail_from == "secretaria@example.org"
    assert received.rcpt_tos == ["bob@example.org", "carol@example.org", "dave@example.org"]
    parsed = received.message()
    assert parsed["Subject"] == "Convocação"
    assert parsed["From"] == "Secretaria <secretaria@example.org>"
    assert parsed["To"] == "bob@example.org"
    assert parsed["Cc"] == "carol@example.org"
    assert parsed["Bcc"] is None
    assert parsed["Message-ID"] == "<fixed.1@example.org>"
    assert parsed.get_content() == "Body of Convocação.\n"  # CRLF on the wire


def test_large_message(smtp_server):
    body = ("x" * 76 + "\r\n") * (6 * 1024 * 1024 // 78)  # ~6 MiB
    raw = b"Subject: big\r\n\r\n" + body.encode()
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=30) as client:
        client.sendmail("a@example.org", ["b@example.org"], raw)
    assert smtp_server.wait_for(1)[0].data == raw


def test_wait_for_times_out(smtp_server):
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="0 of 1 messages"):
        smtp_server.wait_for(1, timeout=0.2)
    assert time.monotonic() - started < 2


# --------------------------------------------------------------------------------------------
# AUTH and TLS


def test_tls_auth_fixture(smtp_server_tls_auth):
    assert smtp_server_tls_auth.user == "mailflow"
    assert len(smtp_server_tls_auth.password) >= 16
    assert smtp_server_tls_auth.email_url().startswith("smtps://mailflow:")


def test_auth_required_530_535_then_success(smtp_server_tls_auth):
    server = smtp_server_tls_auth
    with smtplib.SMTP(server.host, server.port, timeout=5) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")  # only offered under TLS
        assert client.docmd("AUTH", "PLAIN")[0] == 538
        assert client.mail("alice@example.org")[0] == 530

        client.starttls(context=server.client_ssl_context())
        client.ehlo()
        assert client.esmtp_features["auth"].split() == ["LOGIN", "PLAIN"]
        assert client.mail("alice@example.org")[0] == 530
        client.rset()

        with pytest.raises(smtplib.SMTPAuthenticationError) as excinfo:
            client.login(server.user, server.password + "-wrong")
        assert excinfo.value.smtp_code == 535
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login("nobody", server.password)

        code, _ = client.login(server.user, server.password)
        assert code == 235
        client.sendmail("alice@example.org", ["bob@example.org"], b"Subject: ok\r\n\r\nok\r\n")
    [received] = server.wait_for(1)
    assert received.authenticated_as == "mailflow"
    assert received.tls is True


def test_auth_login_mechanism_without_tls():
    with SmtpServer(auth={"u": "p w"}, require_tls_for_auth=False) as server:
        with smtplib.SMTP(server.host, server.port, timeout=5) as client:
            client.ehlo()
            assert client.has_extn("auth")
            assert client.mail("a@example.org")[0] == 530
            client.user, client.password = "u", "p w"
            assert client.auth("LOGIN", client.auth_login)[0] == 235
            client.sendmail("a@example.org", ["b@example.org"], b"Subject: x\r\n\r\nx\r\n")
        [received] = server.wait_for(1)
        assert (received.authenticated_as, received.tls) == ("u", False)


def test_django_starttls_auth_with_ssl_context_set_on_the_connection(smtp_server_tls_auth):
    server = smtp_server_tls_auth
    connection = tls_auth_connection(server)
    connection.ssl_context = server.client_ssl_context()  # before open(): cached_property
    assert django_message("one", connection=connection).send() == 1
    [received] = server.wait_for(1)
    assert received.tls is True
    assert received.authenticated_as == "mailflow"
    assert received.message()["Subject"] == "one"


def test_django_default_context_rejects_the_test_ca(smtp_server_tls_auth, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    connection = tls_auth_connection(smtp_server_tls_auth)
    with pytest.raises(ssl.SSLCertVerificationError):
        connection.open()
    connection.close()
    assert smtp_server_tls_auth.messages == []
    deadline = time.monotonic() + 5  # the server notices the failed handshake a bit later
    while not smtp_server_tls_auth.errors and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [type(e).__name__ for e in smtp_server_tls_auth.errors] == ["TLSSetupException"]


def test_django_trusts_the_test_ca_through_ssl_cert_file(smtp_server_tls_auth, monkeypatch):
    server = smtp_server_tls_auth
    monkeypatch.setenv("SSL_CERT_FILE", server.ca_file)  # read by ssl.create_default_context()
    assert django_message("env", connection=tls_auth_connection(server)).send() == 1
    assert server.wait_for(1)[0].tls is True


def test_ca_file_backend(smtp_server_tls_auth, settings):
    server = smtp_server_tls_auth
    connection = tls_auth_connection(
        server, backend="testing.smtp.CAFileEmailBackend", ssl_cafile=server.ca_file
    )
    assert django_message("kwarg", connection=connection).send() == 1

    settings.EMAIL_SSL_CAFILE = server.ca_file
    connection = tls_auth_connection(server, backend="testing.smtp.CAFileEmailBackend")
    assert django_message("setting", connection=connection).send() == 1
    assert [m.message()["Subject"] for m in server.wait_for(2)] == ["kwarg", "setting"]


def test_django_with_client_certificate_loads_no_ca(smtp_server_tls_auth, monkeypatch, tmp_path):
    """EMAIL_SSL_CERTFILE switches Django to a bare PROTOCOL_TLS_CLIENT context: no CA at all."""
    server = smtp_server_tls_auth
    _ca, cert, key = _write_certificates(tmp_path)  # any certificate will do as the client's
    monkeypatch.setenv("SSL_CERT_FILE", server.ca_file)  # ignored in this branch
    connection = tls_auth_connection(server, ssl_certfile=str(cert), ssl_keyfile=str(key))
    with pytest.raises(ssl.SSLCertVerificationError):
        connection.open()
    connection.close()

    connection = tls_auth_connection(
        server,
        backend="testing.smtp.CAFileEmailBackend",
        ssl_cafile=server.ca_file,
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
    )
    assert django_message("client cert", connection=connection).send() == 1
    assert server.wait_for(1)[0].tls is True


def test_implicit_tls_with_django_use_ssl():
    with SmtpServer(implicit_tls=True, auth={"mailflow": "s3cret"}) as server:
        assert server.email_url() == f"smtp+ssl://mailflow:s3cret@127.0.0.1:{server.port}"
        connection = get_connection(
            backend=SMTP_BACKEND,
            host=server.host,
            port=server.port,
            use_ssl=True,
            username="mailflow",
            password="s3cret",
            timeout=5,
        )
        connection.ssl_context = server.client_ssl_context()
        assert django_message("smtps", connection=connection).send() == 1
        [received] = server.wait_for(1)
        assert (received.tls, received.authenticated_as) == (True, "mailflow")
        assert server.connections == 1


def test_plain_server_refuses_django_login(smtp_settings, settings):
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "user", "password"
    connection = get_connection()
    with pytest.raises(smtplib.SMTPNotSupportedError):
        django_message("login", connection=connection).send()
    connection.close()  # open() keeps the half-open smtplib connection until close()


# --------------------------------------------------------------------------------------------
# Failure injection


def test_fail_next_421_then_retry_succeeds(smtp_settings):
    server = smtp_settings
    server.fail_next(1, 421)
    with pytest.raises(smtplib.SMTPDataError) as excinfo:
        django_message("retry").send()
    assert excinfo.value.smtp_code == 421
    assert server.messages == []

    assert django_message("retry").send() == 1
    assert [m.message()["Subject"] for m in server.wait_for(1)] == ["retry"]
    assert server.connections == 2


def test_421_closes_the_connection(smtp_server):
    smtp_server.fail_next(1)  # 421 at DATA
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        client.ehlo()
        client.mail("a@example.org")
        client.rcpt("b@example.org")
        assert client.data(b"Subject: x\r\n\r\nx\r\n")[0] == 421
        with pytest.raises(smtplib.SMTPServerDisconnected):
            client.noop()


def test_max_sessions_greets_one_more_with_421_and_frees_the_seat_on_quit():
    with SmtpServer(max_sessions=1) as server:
        first = smtplib.SMTP(server.host, server.port, timeout=5)
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            smtplib.SMTP(server.host, server.port, timeout=5)
        assert refused.value.smtp_code == 421
        first.sendmail("a@example.org", ["b@example.org"], b"Subject: one\r\n\r\nx\r\n")
        first.quit()
        deadline = time.monotonic() + 5
        while True:  # the server sees the first session close a moment after QUIT
            try:
                second = smtplib.SMTP(server.host, server.port, timeout=5)
                break
            except smtplib.SMTPConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.01)
        second.sendmail("a@example.org", ["b@example.org"], b"Subject: two\r\n\r\nx\r\n")
        second.quit()
        assert [m.message()["Subject"] for m in server.wait_for(2)] == ["one", "two"]
        assert server.connections == 2 and server.refused_sessions >= 1


def test_fail_next_counts_transactions_at_mail_and_rcpt(smtp_server):
    smtp_server.fail_next(1, 451, "4.3.0 Local error", at="MAIL")
    smtp_server.fail_next(2, 450, "4.2.0 Mailbox busy", at="RCPT")
    raw = b"Subject: x\r\n\r\nx\r\n"
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPSenderRefused) as sender:
            client.sendmail("a@example.org", ["b@example.org"], raw)
        assert sender.value.smtp_code == 451
        for _ in range(2):  # every recipient of the failing transaction gets it
            with pytest.raises(smtplib.SMTPRecipientsRefused) as rcpts:
                client.sendmail("a@example.org", ["b@example.org", "c@example.org"], raw)
            assert {code for code, _ in rcpts.value.recipients.values()} == {450}
            assert set(rcpts.value.recipients) == {"b@example.org", "c@example.org"}
        assert client.sendmail("a@example.org", ["b@example.org", "c@example.org"], raw) == {}
    assert len(smtp_server.wait_for(1)) == 1
    assert smtp_server.connections == 1


def test_fail_always_550_for_one_recipient(smtp_settings):
    server = smtp_settings
    server.fail_always(550, "5.1.1 No such user", recipient="ghost@example.org")
    # smtplib delivers to the accepted recipients and returns the refused ones, which Django's
    # backend drops: send() still reports 1 message sent.
    assert django_message("partial", to=["bob@example.org", "Ghost@Example.org"]).send() == 1
    [received] = server.wait_for(1)
    assert received.rcpt_tos == ["bob@example.org"]

    with pytest.raises(smtplib.SMTPRecipientsRefused) as excinfo:
        django_message("only ghost", to=["ghost@example.org"]).send()
    assert excinfo.value.recipients == {"ghost@example.org": (550, b"5.1.1 No such user")}
    assert len(server.messages) == 1


def test_fail_always_at_data_for_a_recipient(smtp_server):
    smtp_server.fail_always(554, "5.7.1 Rejected", at="DATA", recipient="spam@example.org")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPDataError):
            client.sendmail("a@example.org", ["b@example.org", "spam@example.org"], b"\r\nx\r\n")
        client.sendmail("a@example.org", ["b@example.org"], b"\r\nx\r\n")
    assert [m.rcpt_tos for m in smtp_server.messages] == [["b@example.org"]]
    smtp_server.clear_failures()
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        client.sendmail("a@example.org", ["spam@example.org"], b"\r\nx\r\n")
    assert len(smtp_server.messages) == 2


def test_failure_arguments_are_checked(smtp_server):
    with pytest.raises(ValueError):
        smtp_server.fail_next(1, 250)
    with pytest.raises(ValueError):
        smtp_server.fail_next(1, at="QUIT")
    with pytest.raises(ValueError):
        smtp_server.fail_always(550, "no", at="MAIL", recipient="x@example.org")


def test_delay_past_the_client_timeout_records_first(smtp_settings, settings):
    server = smtp_settings
    settings.EMAIL_TIMEOUT = 0.3
    server.set_delay(1.0)  # the MTA queued the message, its reply is slow
    with pytest.raises(smtplib.SMTPServerDisconnected):
        django_message("slow").send()
    assert len(server.wait_for(1, timeout=0.1)) == 1  # the "sent twice on retry" window


def test_delay_without_record_first_drops_messages_of_gone_clients(smtp_settings, settings):
    server = smtp_settings
    settings.EMAIL_TIMEOUT = 0.3
    server.set_delay(0.6, record_first=False)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        django_message("slow").send()
    time.sleep(0.6)
    assert server.messages == []

    settings.EMAIL_TIMEOUT = 5
    started = time.monotonic()
    assert django_message("patient").send() == 1
    assert time.monotonic() - started >= 0.6
    assert len(server.messages) == 1


# --------------------------------------------------------------------------------------------
# Connections, speed, lifecycle


def test_refused_connection_on_free_port():
    port = free_port_with_nothing_listening()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
    connection = get_connection(backend=SMTP_BACKEND, host="127.0.0.1", port=port, timeout=2)
    with pytest.raises(ConnectionRefusedError):
        connection.open()
    assert connection.connection is None


def test_connections_counter(smtp_settings):
    server = smtp_settings
    assert server.connections == 0  # the controller's start-up probe is not counted
    django_message("a").send()
    django_message("b").send()
    assert server.connections == 2
    with get_connection() as connection:
        connection.send_messages([django_message("c"), django_message("d")])
        connection.send_messages([django_message("e")])
    assert server.connections == 3
    assert len(server.messages) == 5
    server.clear()
    assert (server.connections, server.messages) == (0, [])


def test_thousand_messages_over_one_connection(smtp_settings):
    server = smtp_settings
    messages = [django_message(f"bulk {i}") for i in range(1000)]
    started = time.perf_counter()
    with get_connection() as connection:
        assert connection.send_messages(messages) == 1000
    elapsed = time.perf_counter() - started
    received = server.wait_for(1000)
    rate = 1000 / elapsed
    print(f"\n1000 messages over one SMTP connection: {elapsed:.2f}s, {rate:.0f} messages/s")
    assert server.connections == 1
    assert [m.message()["Subject"] for m in received] == [f"bulk {i}" for i in range(1000)]
    assert elapsed < 60


def test_mail_outbox_is_not_used(smtp_settings):
    # pytest-django's locmem outbox is bypassed once smtp_settings switches the backend.
    mail.outbox = []
    django_message("real").send()
    assert mail.outbox == []
    assert len(smtp_settings.wait_for(1)) == 1


def test_stop_leaves_no_threads_and_restart_keeps_the_port():
    before = set(threading.enumerate())
    server = SmtpServer(starttls=True, auth={"u": "p"})
    server.start()
    server.start()  # idempotent
    port = server.port
    names = {t.name for t in threading.enumerate()} - {t.name for t in before}
    assert names == {f"mailflow-smtp-{port}"}

    # An open session (mid-transaction) is aborted by stop().
    client = smtplib.SMTP(server.host, server.port, timeout=5)
    client.ehlo()
    client.starttls(context=server.client_ssl_context())
    client.ehlo()
    client.login("u", "p")
    client.mail("a@example.org")
    server.stop()
    server.stop()  # idempotent
    assert not server.is_running
    assert set(threading.enumerate()) == before
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.rcpt("b@example.org")
    client.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((server.host, port), timeout=2)

    with server:  # restart: same port, same recording
        assert server.port == port
        with smtplib.SMTP(server.host, port, timeout=5) as again:
            again.starttls(context=server.client_ssl_context())
            again.login("u", "p")
            again.sendmail("a@example.org", ["b@example.org"], b"\r\nx\r\n")
        assert len(server.wait_for(1)) == 1
        assert server.connections == 2
    assert set(threading.enumerate()) == before
