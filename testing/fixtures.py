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
