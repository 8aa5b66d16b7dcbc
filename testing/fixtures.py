"""pytest fixtures for tests against a real Dovecot IMAP server (see testing/dovecot.py).

Registered in the root conftest with ``pytest_plugins = ["testing.fixtures"]``.

* ``dovecot_server`` (session): one DovecotServer for the whole run, closed at the end.
* ``imap_account`` (function): a fresh account on it, so tests never see each other's mail.
  It also restarts the server if an earlier test stopped it (e.g. an outage test that failed
  before calling ``start()`` again), before and after the test.

Without Dovecot installed the tests that use these fixtures are skipped, or fail when the
environment variable ``CI`` is ``"true"`` (a CI machine must have the server).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from testing.dovecot import Account, DovecotServer, dovecot_unavailable_reason


def require_dovecot() -> None:
    """Skip the current test (fail it on CI) if a DovecotServer cannot run here."""
    reason = dovecot_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} [CI=true: the IMAP tests must not be skipped]", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    require_dovecot()
    server = DovecotServer()
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def imap_account(dovecot_server: DovecotServer) -> Iterator[Account]:
    if not dovecot_server.is_running:
        dovecot_server.start()
    yield dovecot_server.new_account()
    if not dovecot_server.is_running:
        dovecot_server.start()


# --------------------------------------------------------------------------------------------
# SMTP (testing/smtp.py)
#
# * ``smtp_server`` (function): a fresh plain SmtpServer (no TLS, no AUTH), stopped after the test.
# * ``smtp_server_tls_auth`` (function): STARTTLS + AUTH required, user ``mailflow`` with a random
#   password (``server.user``, ``server.password``); ``server.ca_file`` verifies its certificate.
# * ``smtp_settings`` (function): Django's SMTP backend pointed at ``smtp_server`` (plain, no
#   credentials, EMAIL_TIMEOUT=5); returns the server.
#
# Imported here rather than at the top so this section stays self-contained.
import secrets  # noqa: E402

from testing.smtp import SmtpServer  # noqa: E402


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server_tls_auth() -> Iterator[SmtpServer]:
    server = SmtpServer(starttls=True, auth={"mailflow": secrets.token_urlsafe(16)})
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server: SmtpServer) -> SmtpServer:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return smtp_server


# --------------------------------------------------------------------------------------------
# SSH lab machines (testing/sshd.py)
#
# * ``lab_network`` (function): a LabNetwork of 3 running machines (127.0.10.1-3 on one shared
#   ``lab_network.port``), each with the admin ``labadmin`` (key ``admin_private_key`` /
#   ``admin_private_key_path``, passwordless sudo) and a private /etc and /home; host keys are in
#   ``known_hosts_text()``. Closed after the test (every machine process ends, files deleted).
# * ``require_lab_network()``: for tests that build their own LabNetwork.
#
# They need root, /usr/sbin/sshd (openssh-server), unshare/nsenter and sudo: without them the
# tests are skipped, or fail when the environment variable ``CI`` is ``"true"``.
from testing.sshd import LabNetwork, lab_unavailable_reason  # noqa: E402


def require_lab_network(sudo: bool = True) -> None:
    """Skip the current test (fail it on CI) if lab machines cannot run here."""
    reason = lab_unavailable_reason(sudo=sudo)
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} [CI=true: the SSH lab tests must not be skipped]", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def lab_network() -> Iterator[LabNetwork]:
    require_lab_network()
    with LabNetwork(3, sudo=True) as network:
        yield network


# --------------------------------------------------------------------------------------------
# The admin in a real browser (testing/browser.py): ``browser`` (session), ``page`` (function).
from testing.browser import browser, page  # noqa: E402, F401
