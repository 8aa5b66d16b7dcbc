"""collect_emails --idle: IMAP IDLE and the watch loop, against the real Dovecot of the fixtures.

Waits poll the database (or the server's log) until something is true, for up to 15 s: they
check that it happens, not how fast.
"""

import logging
import mailbox as mailbox_lib
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from emails import services
from emails.imap import ImapClient, ImapConfig, _SocketReader
from emails.models import Email, Mailbox
from testing.mail import make_raw
from testing.processes import child_env

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


def stored(subject: str) -> bool:
    return Email.objects.filter(subject=subject).exists()


@dataclass
class Watcher:
    stop: threading.Event
    thread: threading.Thread
    out: dict = field(default_factory=dict)

    def finish(self, timeout: float = 10.0) -> services.WatchResult:
        self.stop.set()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the watch did not stop"
        return self.out["result"]


@pytest.fixture
def start_watch():
    watchers: list[Watcher] = []

    def start(mailbox: Mailbox, **kwargs) -> Watcher:
        watcher = Watcher(threading.Event(), threading.Thread(daemon=True))

        def run():
            watcher.out["result"] = services.mailbox_watch(
                mailbox=mailbox, stop_event=watcher.stop, **kwargs
            )

        watcher.thread = threading.Thread(target=run, daemon=True)
        watcher.thread.start()
        watchers.append(watcher)
        return watcher

    yield start
    for watcher in watchers:
        watcher.stop.set()
        watcher.thread.join(15)


def _config(server, account, tls: str) -> ImapConfig:
    if tls == "ssl":
        return ImapConfig(
            host=server.host,
            port=server.ssl_port,
            security="ssl",
            username=account.user,
            password=account.password,
            timeout=10,
            ca_file=server.ca_file,
        )
    return ImapConfig(
        host=server.host,
        port=server.port,
        security="none",
        username=account.user,
        password=account.password,
        timeout=10,
    )


# --- the IDLE command ------------------------------------------------------------------


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("tls", ["none", "ssl"])
def test_idle_returns_on_exists_and_always_ends_with_done(dovecot_server, imap_account, tls):
    with ImapClient(_config(dovecot_server, imap_account, tls), watch=True) as client:
        assert "IDLE" in client.capabilities()
        client.open_folder(readonly=True)
        sent: list[bytes] = []
        real_send = client.conn.send
        client.conn.send = lambda data: (sent.append(data), real_send(data))[1]

        # Nothing arrives: the wait times out, and the IDLE is ended with DONE all the same.
        assert client.idle(timeout=0.3) is False
        assert sent == [b"idle1 IDLE\r\n", b"DONE\r\n"]

        appender = threading.Timer(
            0.5, dovecot_server.append, (imap_account, make_raw(subject="chegou"))
        )
        appender.start()
        assert client.idle(timeout=60) is True  # on "* 1 EXISTS", not on the timeout
        appender.join()
        assert sent[2:] == [b"idle2 IDLE\r\n", b"DONE\r\n"]
        # The tagged OK of DONE was read: the connection goes on.
        assert client.status()[1] == 2

        stop = threading.Event()
        threading.Timer(0.3, stop.set).start()
        started = time.monotonic()
        assert client.idle(timeout=60, stop=stop) is False
        assert time.monotonic() - started < 30
        assert sent[-1] == b"DONE\r\n"
        assert client.status()[1] == 2


def test_reader_keeps_a_line_cut_by_a_timeout():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.settimeout(0.2)
        reader = _SocketReader(ours)
        theirs.sendall(b"* 3 EXI")
        with pytest.raises(TimeoutError):
            reader.readline()
        theirs.sendall(b"STS\r\n* 4 EXISTS\r\nabc")
        assert reader.readline() == b"* 3 EXISTS\r\n"
        assert reader.readline() == b"* 4 EXISTS\r\n"
        assert reader.read(3) == b"abc"
        theirs.close()
        assert reader.readline() == b""


# --- the watch loop --------------------------------------------------------------------


def test_watch_collects_each_arrival_and_stops_cleanly(
    dovecot_server, imap_account, imap_mailbox, start_watch
):
    dovecot_server.append(imap_account, make_raw(subject="antes"))
    seen = []
    watcher = start_watch(imap_mailbox, on_collect=seen.append)
    assert wait_until(lambda: stored("antes")), "not collected at the start"

    dovecot_server.append(imap_account, make_raw(subject="primeira"))
    assert wait_until(lambda: stored("primeira"))
    dovecot_server.append(imap_account, make_raw(subject="segunda"))
    assert wait_until(lambda: stored("segunda"))

    result = watcher.finish()
    assert (result.mode, result.stored, result.errors) == ("idle", 3, 0)
    assert sum(r.stored for r in seen) == 3 and all(r.error == "" for r in seen)
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_error == "" and imap_mailbox.lock_token == ""

    # Every session of the account, the watcher's included, ended with LOGOUT.
    def sessions():
        log = dovecot_server.log_tail(2000).splitlines()
        logins = [line for line in log if f"Login: user=<{imap_account.user}>" in line]
        ends = [line for line in log if f"imap({imap_account.user})" in line and "Disconn" in line]
        return logins, ends

    assert wait_until(lambda: len(sessions()[1]) == len(sessions()[0]))
    assert all("Logged out" in line for line in sessions()[1]), sessions()[1]


def test_watch_collects_mail_that_arrives_during_a_collection(
    dovecot_server, imap_account, imap_mailbox, start_watch, monkeypatch
):
    dovecot_server.append(imap_account, make_raw(subject="primeira"))
    real_store = services.emails_store
    calls = []

    def store_while_mail_arrives(**kwargs):
        if not calls:  # the collection has listed the UIDs: this one is after them
            dovecot_server.append(imap_account, make_raw(subject="durante"))
        calls.append(1)
        return real_store(**kwargs)

    monkeypatch.setattr(services, "emails_store", store_while_mail_arrives)
    watcher = start_watch(imap_mailbox)
    assert wait_until(lambda: stored("primeira") and stored("durante"))
    assert watcher.finish().stored == 2


def test_watch_reconnects_after_the_server_restarts(
    dovecot_server, imap_account, imap_mailbox, start_watch
):
    watcher = start_watch(imap_mailbox)
    dovecot_server.append(imap_account, make_raw(subject="antes da queda"))
    assert wait_until(lambda: stored("antes da queda"))

    dovecot_server.stop()
    assert wait_until(lambda: Mailbox.objects.get(pk=imap_mailbox.pk).last_error != "")
    dovecot_server.start()
    dovecot_server.append(imap_account, make_raw(subject="depois da volta"))
    # Reconnection waits 1, 2, 4 ... s between attempts: a longer wait here.
    assert wait_until(lambda: stored("depois da volta"), timeout=30)
    assert wait_until(lambda: Mailbox.objects.get(pk=imap_mailbox.pk).last_error == "")

    result = watcher.finish()
    assert result.stored == 2 and result.errors >= 1
    assert Email.objects.count() == 2


def test_watch_waits_for_the_lease_of_another_collection(
    dovecot_server, imap_account, imap_mailbox, start_watch, caplog, another_collection
):
    caplog.set_level(logging.INFO, logger="emails.services")
    let_go = another_collection(imap_mailbox)
    dovecot_server.append(imap_account, make_raw(subject="na fila"))
    watcher = start_watch(imap_mailbox)
    assert wait_until(lambda: "another collection is running" in caplog.text)
    assert Email.objects.count() == 0  # the lease is never bypassed

    let_go()
    assert wait_until(lambda: stored("na fila"))
    assert watcher.finish().errors == 0


def test_watch_polls_a_server_without_idle(
    dovecot_server, imap_account, imap_mailbox, start_watch, monkeypatch, settings, caplog
):
    caplog.set_level(logging.INFO, logger="emails.services")
    settings.MAILFLOW_IDLE_POLL_SECONDS = 1
    real_capabilities = ImapClient.capabilities
    monkeypatch.setattr(ImapClient, "capabilities", lambda self: real_capabilities(self) - {"IDLE"})
    watcher = start_watch(imap_mailbox)
    dovecot_server.append(imap_account, make_raw(subject="sem idle"))
    assert wait_until(lambda: stored("sem idle"))
    dovecot_server.append(imap_account, make_raw(subject="sem idle 2"))
    assert wait_until(lambda: stored("sem idle 2"))
    result = watcher.finish()
    assert result.mode == "poll" and result.stored == 2
    assert "does not offer IDLE: checking it every 1 s" in caplog.text


def test_watch_polls_a_maildir(maildir_mailbox, start_watch, settings):
    settings.MAILFLOW_IDLE_POLL_SECONDS = 1
    watcher = start_watch(maildir_mailbox)
    mailbox_lib.Maildir(maildir_mailbox.maildir_path).add(make_raw(subject="no maildir"))
    assert wait_until(lambda: stored("no maildir"))
    assert watcher.finish().mode == "poll"


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="counts sessions in PostgreSQL's pg_stat_activity",
)
def test_watch_holds_no_database_connection_while_waiting(
    dovecot_server, imap_account, imap_mailbox, start_watch, monkeypatch
):
    def other_sessions() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]

    idling = threading.Event()
    real_idle = ImapClient.idle

    def observed_idle(self, **kwargs):
        idling.set()
        try:
            return real_idle(self, **kwargs)
        finally:
            idling.clear()

    monkeypatch.setattr(ImapClient, "idle", observed_idle)
    before = other_sessions()
    watcher = start_watch(imap_mailbox)
    dovecot_server.append(imap_account, make_raw(subject="e depois espera"))
    assert wait_until(lambda: stored("e depois espera"))
    assert wait_until(lambda: idling.is_set() and other_sessions() == before)
    watcher.finish()


# --- the command -----------------------------------------------------------------------


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="the command runs in another process, which cannot see an in-memory test database",
)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_collect_emails_idle_command_stops_on_a_signal(
    dovecot_server, imap_account, imap_mailbox, tmp_path, signum
):
    env = child_env()
    dovecot_server.append(imap_account, make_raw(subject="pelo comando"))
    out, err = tmp_path / "out", tmp_path / "err"
    command = ["manage.py", "collect_emails", "--idle", "--mailbox", imap_mailbox.name]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, *command],
            cwd=Path(django_settings.BASE_DIR),
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            assert wait_until(lambda: stored("pelo comando"), timeout=30), err.read_text()
            dovecot_server.append(imap_account, make_raw(subject="pelo comando 2"))
            assert wait_until(lambda: stored("pelo comando 2")), err.read_text()
            process.send_signal(signum)
            assert process.wait(timeout=20) == 0, err.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    lines = out.read_text().splitlines()
    assert f"{imap_mailbox.name}: fetched 1, stored 1, duplicates 0, failed 0" in lines[0]
    assert lines[-1].startswith(f"{imap_mailbox.name} (idle): ")
    assert lines[-1].endswith("stored 2, 0 errors")
