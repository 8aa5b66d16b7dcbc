"""Builders of realistic raw messages for the apps' tests (they live in testing/mail.py, which
the bench and the hostile suite share)."""

from testing.mail import make_raw

__all__ = ["make_raw"]
