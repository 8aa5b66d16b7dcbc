"""Fixtures the hostile suite shares with the apps' own tests."""

from emails.tests.conftest import imap_mailbox  # noqa: F401 - a Dovecot mailbox row
