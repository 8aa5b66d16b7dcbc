"""System checks of the outbox's configuration."""

from django.conf import settings
from django.core.checks import Error, register

from emails.imap import is_loopback
from mailflow.checks import MAILFLOW

# Backends that deliver nothing: fine for a trial or development, never for production.
NOT_DELIVERING = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@register(MAILFLOW)
def outgoing_mail_configured(app_configs, **kwargs) -> list[Error]:
    """Without EMAIL_URL, replies would be printed (generated lab passwords included) and
    recorded as sent: production refuses to start instead."""
    if settings.DEBUG or settings.MAILFLOW_TRIAL:
        return []
    if settings.EMAIL_BACKEND not in NOT_DELIVERING:
        return []
    return [
        Error(
            "Outgoing mail is not configured: messages would be printed or written to files, "
            "not sent (generated passwords included), and recorded as sent.",
            hint="Set EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.org:587).",
            id="sender.E001",
        )
    ]


@register(MAILFLOW)
def smtp_password_not_in_clear(app_configs, **kwargs) -> list[Error]:
    """An SMTP login over a plain connection would carry the password in clear: only to
    this machine (a local relay)."""
    if settings.EMAIL_BACKEND != "django.core.mail.backends.smtp.EmailBackend":
        return []
    if not settings.EMAIL_HOST_USER or settings.EMAIL_USE_TLS or settings.EMAIL_USE_SSL:
        return []
    if is_loopback(settings.EMAIL_HOST):
        return []
    return [
        Error(
            f"EMAIL_URL logs in to {settings.EMAIL_HOST} without TLS: the SMTP password "
            "would travel in clear.",
            hint="Use smtp+tls:// (STARTTLS, port 587) or smtp+ssl:// (port 465).",
            id="sender.E002",
        )
    ]
