"""System checks of the outbox's configuration."""

from django.conf import settings
from django.core.checks import Error, register

# Backends that deliver nothing: fine for a trial or development, never for production.
NOT_DELIVERING = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@register()
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
