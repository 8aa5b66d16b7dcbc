"""Tests of the Dovecot controller (testing/dovecot.py) and its pytest fixtures."""

from __future__ import annotations

import imaplib
import os
import socket
import ssl
import subprocess
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from testing import fixtures
from testing.dovecot import Account, DovecotServer, encode_mailbox_name

# Registers the fixtures when this file runs on its own (a no-op once the root conftest does).
pytest_plugins = ["testing.fixtures"]


def message(subject: str, body: str = "Hello.") -> bytes:
    return (
        f"From: Alice <alice@example.org>\r\n"
        f"To: Bob <bob@example.org>\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '.')}@example.org>\r\n"
        f"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
        f"\r\n"
        f"{body}\r\n"
    ).encode()


def dovecot_processes(server: DovecotServer) -> list[str]:
    """Processes started with this server's config file (the master) plus its children."""
    result = subprocess.run(
        ["pgrep", "-a", "-f", str(server.config_path)], capture_output=True, text=True, check=False
    )
    return result.stdout.splitlines() + [str(pid) for pid in server.pids]


def capabilities(conn: imaplib.IMAP4) -> set[str]:
    typ, data = conn.capability()
    assert typ == "OK"
    return set(data[0].decode().upper().split())


@pytest.fixture
def own_server() -> DovecotServer:
    """A separate server, for tests that must not disturb the shared one."""
    fixtures.require_dovecot()
    with DovecotServer() as server:
        yield server
    assert not dovecot_processes(server)
    assert not server.workdir.exists()


def test_plain_login_append_and_peek_keeps_unseen(dovecot_server, imap_account):
    raw = message("plain peek")
    conn = imaplib.IMAP4(dovecot_server.host, dovecot_server.port, timeout=10)
    try:
        assert "STARTTLS" not in capabilities(conn)
        conn.login(imap_account.user, imap_account.password)
        typ, data = conn.append("INBOX", None, None, raw)
        assert typ == "OK", data
        assert b"APPENDUID" in data[0]
        typ, _ = conn.select("INBOX")  # read-write: a FETCH BODY[] here would set \Seen
        assert typ == "OK"
        typ, data = conn.uid("FETCH", "1", "(BODY.PEEK[])")
        assert typ == "OK"
        assert data[0][1] == raw
        typ, data = conn.uid("FETCH", "1", "(FLAGS)")
        assert b"\\Seen" not in data[0]
    finally:
        conn.logout()
    assert dovecot_server.flags(imap_account, 1) == set()
    assert dovecot_server.fetch(imap_account, 1) == raw
    assert dovecot_server.flags(imap_account, 1) == set()  # fetch() peeks too


def test_append_returns_uid_and_flags_reads_them(dovecot_server, imap_account):
    first = dovecot_server.append(imap_account, message("one"))
    second = dovecot_server.append(imap_account, message("two"), flags=("\\Seen", "\\Flagged"))
    assert (first, second) == (1, 2)
    assert dovecot_server.flags(imap_account, first) == set()
    assert dovecot_server.flags(imap_account, second) == {"\\Seen", "\\Flagged"}
    assert dovecot_server.uids(imap_account) == [1, 2]
    with dovecot_server.connect(imap_account) as conn:  # a real FETCH BODY[] sets \Seen
        conn.select("INBOX")
        conn.uid("FETCH", str(first), "(BODY[])")
    assert dovecot_server.flags(imap_account, first) == {"\\Seen"}
    with pytest.raises(LookupError):
        dovecot_server.flags(imap_account, 99)


def test_append_to_new_and_non_ascii_folders(dovecot_server, imap_account):
    assert dovecot_server.append(imap_account, message("a"), folder="Archive/2024") == 1
    assert dovecot_server.append(imap_account, message("b"), folder="Ação & Co") == 1
    with dovecot_server.connect(imap_account) as conn:
        _, data = conn.list()
    names = b"\n".join(data)
    assert b'"/" Archive/2024' in names
    assert encode_mailbox_name("Ação & Co").encode() in names
    assert encode_mailbox_name("Ação & Co") == "A&AOcA4w-o &- Co"
    assert dovecot_server.uids(imap_account, "INBOX") == []


def test_accounts_are_isolated(dovecot_server, imap_account):
    other = dovecot_server.new_account()
    assert other.user != imap_account.user
    dovecot_server.append(other, message("for other"))
    assert dovecot_server.uids(imap_account) == []
    assert dovecot_server.uids(other) == [1]


def test_wrong_password_is_rejected_quickly(dovecot_server, imap_account):
    conn = imaplib.IMAP4(dovecot_server.host, dovecot_server.port, timeout=10)
    started = time.monotonic()
    with pytest.raises(imaplib.IMAP4.error):
        conn.login(imap_account.user, imap_account.password + "x")
    assert time.monotonic() - started < 1.5  # auth_failure_delay = 0
    conn.logout()
    # No authentication penalty for the next logins from 127.0.0.1 either.
    for _ in range(3):
        conn = imaplib.IMAP4(dovecot_server.host, dovecot_server.port, timeout=10)
        with pytest.raises(imaplib.IMAP4.error):
            conn.login(imap_account.user, f"wrong-{_}")
        conn.logout()
    started = time.monotonic()
    assert dovecot_server.uids(imap_account) == []
    assert time.monotonic() - started < 0.5


def test_add_user_with_awkward_password_and_url(dovecot_server):
    account = Account(f"awkward.{os.getpid()}@example.org", 'p:ss w@rd/?#%é"\\')
    dovecot_server.add_user(account.user, account.password)
    with pytest.raises(ValueError, match="already exists"):
        dovecot_server.add_user(account.user, "again")
    with pytest.raises(ValueError, match="unsupported"):
        dovecot_server.add_user("../etc", "x")
    dovecot_server.append(account, message("awkward"))
    assert dovecot_server.uids(account) == [1]

    url = urlsplit(dovecot_server.imap_url(account))
    assert url.scheme == "imap"
    assert (url.hostname, url.port, url.path) == ("127.0.0.1", dovecot_server.port, "/INBOX")
    assert (unquote(url.username), unquote(url.password)) == (account.user, account.password)
    url = urlsplit(dovecot_server.imap_url(account, tls="ssl"))
    assert (url.scheme, url.port) == ("imaps", dovecot_server.ssl_port)
    assert unquote(url.password) == account.password
    with pytest.raises(ValueError):
        dovecot_server.imap_url(account, tls="bogus")


def test_imaps_verifies_with_ca_file(dovecot_server, imap_account):
    context = ssl.create_default_context(cafile=dovecot_server.ca_file)
    for hostname in ("127.0.0.1", "localhost"):
        raw = socket.create_connection((dovecot_server.host, dovecot_server.ssl_port))
        with context.wrap_socket(raw, server_hostname=hostname) as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
            assert tls.makefile("rb").readline().startswith(b"* OK")

    conn = imaplib.IMAP4_SSL(
        dovecot_server.host, dovecot_server.ssl_port, ssl_context=context, timeout=10
    )
    try:
        conn.login(imap_account.user, imap_account.password)
        assert conn.select("INBOX")[0] == "OK"
    finally:
        conn.logout()

    # Without the CA the certificate must not verify (it really is checked).
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL(
            dovecot_server.host,
            dovecot_server.ssl_port,
            ssl_context=ssl.create_default_context(),
            timeout=10,
        )


def test_plain_port_has_no_starttls_by_default(dovecot_server):
    conn = imaplib.IMAP4(dovecot_server.host, dovecot_server.port, timeout=10)
    try:
        with pytest.raises(imaplib.IMAP4.error, match="TLS not supported"):
            conn.starttls(ssl_context=dovecot_server.ssl_context())
    finally:
        conn.logout()


def test_starttls_variant(own_server_starttls):
    server = own_server_starttls
    account = server.new_account()
    conn = imaplib.IMAP4(server.host, server.port, timeout=10)
    try:
        assert "STARTTLS" in capabilities(conn)
        typ, _ = conn.starttls(ssl_context=ssl.create_default_context(cafile=server.ca_file))
        assert typ == "OK"
        assert "STARTTLS" not in capabilities(conn)
        conn.login(account.user, account.password)
        typ, data = conn.append("INBOX", None, None, message("over starttls"))
        assert typ == "OK", data
    finally:
        conn.logout()
    with server.connect(account, tls="starttls") as conn:
        assert conn.select("INBOX") == ("OK", [b"1"])
    with server.connect(account, tls="ssl") as conn:  # IMAPS works in this mode too
        assert conn.select("INBOX") == ("OK", [b"1"])


@pytest.fixture
def own_server_starttls() -> DovecotServer:
    fixtures.require_dovecot()
    with DovecotServer(starttls=True) as server:
        yield server
    assert not dovecot_processes(server)


def test_stop_start_keeps_ports_users_and_mail(dovecot_server, imap_account):
    server = dovecot_server
    uid = server.append(imap_account, message("survives"), flags=("\\Answered",))
    uidvalidity = server.uidvalidity(imap_account)
    port, ssl_port, url = server.port, server.ssl_port, server.imap_url(imap_account)
    conn = imaplib.IMAP4(server.host, server.port, timeout=10)
    conn.login(imap_account.user, imap_account.password)
    conn.select("INBOX")

    for _ in range(3):
        server.stop()
        assert not server.is_running
        assert not dovecot_processes(server)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((server.host, port), timeout=5)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((server.host, ssl_port), timeout=5)
        server.start()
        assert (server.port, server.ssl_port, server.imap_url(imap_account)) == (
            port,
            ssl_port,
            url,
        )
        assert server.uids(imap_account) == [uid]
        assert server.uidvalidity(imap_account) == uidvalidity
        assert server.flags(imap_account, uid) == {"\\Answered"}

    # A session open during the outage was dropped.
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        conn.noop()

    # Accounts can be added while stopped, and new ones work after a restart.
    server.stop()
    late = server.new_account()
    server.start()
    server.append(late, message("late"))
    assert server.uids(late) == [1]


def test_reset_uidvalidity_keeps_messages(dovecot_server, imap_account):
    server = dovecot_server
    raws = [message(f"reset {n}") for n in range(3)]
    for raw in raws:
        server.append(imap_account, raw)
    server.append(imap_account, message("flagged"), flags=("\\Flagged", "\\Seen"))
    raws.append(message("flagged"))
    server.append(imap_account, message("elsewhere"), folder="Other")
    other_validity = server.uidvalidity(imap_account, "Other")
    before = server.uidvalidity(imap_account)

    # An open session with INBOX selected is disconnected (as when a server rebuilds a mailbox).
    conn = imaplib.IMAP4(server.host, server.port, timeout=10)
    conn.login(imap_account.user, imap_account.password)
    conn.select("INBOX")
    server.reset_uidvalidity(imap_account)
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        conn.noop()

    after = server.uidvalidity(imap_account)
    assert after != before
    uids = server.uids(imap_account)
    assert len(uids) == 4
    assert sorted(server.fetch(imap_account, uid) for uid in uids) == sorted(raws)
    flagged = [uid for uid in uids if server.flags(imap_account, uid) == {"\\Flagged", "\\Seen"}]
    assert len(flagged) == 1
    assert server.uidvalidity(imap_account, "Other") == other_validity

    # Other folders, and while the server is stopped.
    server.reset_uidvalidity(imap_account, "Other")
    assert server.uidvalidity(imap_account, "Other") != other_validity
    assert len(server.uids(imap_account, "Other")) == 1
    server.stop()
    try:
        server.reset_uidvalidity(imap_account)
    finally:
        server.start()
    assert server.uidvalidity(imap_account) not in (before, after)
    assert len(server.uids(imap_account)) == 4

    with pytest.raises(LookupError):
        server.reset_uidvalidity(imap_account, "Missing")


def test_append_many_2000(dovecot_server, imap_account, capsys):
    count = 2000
    raws = [message(f"bulk {n}", body="Lorem ipsum dolor sit amet. " * 10) for n in range(count)]
    started = time.perf_counter()
    uids = dovecot_server.append_many(imap_account, raws)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nappend_many: {count} messages in {elapsed:.2f}s ({count / elapsed:.0f}/s)")
    assert uids == list(range(1, count + 1))
    assert dovecot_server.uids(imap_account) == uids
    assert dovecot_server.fetch(imap_account, 1234) == raws[1233]
    assert dovecot_server.flags(imap_account, 2000) == set()
    assert elapsed < 60  # normally well under a second; only catches a pathological slowdown
    # Later single appends continue the sequence.
    assert dovecot_server.append(imap_account, message("after bulk")) == count + 1


def test_append_many_folder_flags_and_line_endings(dovecot_server, imap_account):
    uids = dovecot_server.append_many(
        imap_account,
        (b"Subject: lf %d\n\nbare LF\n" % n for n in range(5)),
        folder="Bulk",
        flags=("\\Seen",),
    )
    assert uids == [1, 2, 3, 4, 5]
    fetched = dovecot_server.fetch(imap_account, 3, folder="Bulk")
    assert fetched == b"Subject: lf 2\r\n\r\nbare LF\r\n"
    assert dovecot_server.flags(imap_account, 5, folder="Bulk") == {"\\Seen"}
    assert dovecot_server.append_many(imap_account, []) == []


def test_close_leaves_nothing_behind(own_server):
    account = own_server.new_account()
    own_server.append(account, message("bye"))
    assert own_server.pids
    assert dovecot_processes(own_server)
    # the own_server fixture asserts that close() removed the processes and the work dir


def test_workdir_argument_and_restart_after_close(tmp_path_factory):
    fixtures.require_dovecot()
    # pytest's tmp dirs are mode 0700, which Dovecot's unprivileged processes cannot traverse.
    if os.geteuid() == 0:
        with pytest.raises(Exception, match="not traversable"):
            DovecotServer(workdir=tmp_path_factory.mktemp("dovecot"))
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"dovecot-workdir-test-{os.getpid()}"
    server = DovecotServer(workdir=workdir)
    try:
        server.start()
        account = server.new_account()
        server.append(account, message("kept"))
        server.close()
        assert workdir.exists()  # a caller-provided workdir is not deleted
        with pytest.raises(Exception, match="closed"):
            server.start()
        # A new server on the same workdir finds the accounts and mail again.
        with DovecotServer(workdir=workdir) as again:
            assert again.uids(account) == [1]
    finally:
        server.close()
        subprocess.run(["rm", "-rf", str(workdir)], check=True)


def test_require_dovecot_skips_or_fails_on_ci(monkeypatch):
    monkeypatch.setattr(fixtures, "dovecot_unavailable_reason", lambda: "no dovecot here")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no dovecot here"):
        fixtures.require_dovecot()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no dovecot here"):
        fixtures.require_dovecot()
