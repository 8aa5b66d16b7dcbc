"""Test infrastructure for mailflow (real IMAP server controller, pytest fixtures)."""
