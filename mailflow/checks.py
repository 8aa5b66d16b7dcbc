"""System checks of the project's own settings (registered by pipeline's AppConfig.ready)."""

from django.conf import settings
from django.core.checks import Error, register

from mailflow import crypto

# The tag of the project's own checks (its settings): the commands run from cron run only
# these (`requires_system_checks = [checks.MAILFLOW]`), not Django's checks of every URL,
# API view and admin class, which import the whole web side (~0.2 s) at every run. Those
# run with `manage.py check`, migrate, runserver and the worker (qcluster).
MAILFLOW = "mailflow"

MAKE_A_KEY = (
    'Make one with `python manage.py generate_encryption_key` (or: python -c "from '
    'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"), '
    "set MAILFLOW_ENCRYPTION_KEY to it and keep it apart from SECRET_KEY."
)


@register(MAILFLOW)
def encryption_key_configured(app_configs, **kwargs) -> list[Error]:
    """Stored secrets need a key of their own in production: one derived from SECRET_KEY
    would let a leaked SECRET_KEY decrypt them, and rotating SECRET_KEY would lose them."""
    keys = crypto.configured_keys()
    errors = []
    if not keys and not (settings.DEBUG or settings.MAILFLOW_TRIAL):
        errors.append(
            Error(
                "MAILFLOW_ENCRYPTION_KEY is not set: mailbox passwords, lab passwords and "
                "the secrets of outgoing messages could not be stored or read.",
                hint=MAKE_A_KEY,
                id="mailflow.E010",
            )
        )
    for position, key in enumerate(keys, start=1):
        try:
            crypto.Fernet(key.encode())
        except ValueError:
            errors.append(
                Error(
                    f"MAILFLOW_ENCRYPTION_KEY: key {position} of {len(keys)} is not a Fernet "
                    "key (32 bytes in URL-safe base64, 44 characters).",
                    hint=MAKE_A_KEY,
                    id="mailflow.E011",
                )
            )
    return errors
