"""System checks of the project's own settings (registered by pipeline's AppConfig.ready)."""

from django.conf import settings
from django.core.checks import Error, Warning, register

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
        if not crypto.is_valid_key(key):
            errors.append(
                Error(
                    f"MAILFLOW_ENCRYPTION_KEY: key {position} of {len(keys)} is not a Fernet "
                    "key (32 bytes in URL-safe base64, 44 characters).",
                    hint=MAKE_A_KEY,
                    id="mailflow.E011",
                )
            )
    return errors


@register(deploy=True)
def api_schema_check(app_configs, **kwargs) -> list[Error | Warning]:
    """The OpenAPI schema builds without error or warning (drf-spectacular's own deploy
    check, which it registers only as an installed app; it is not one, for start-up)."""
    # Imported here: building a schema loads every API view and serializer.
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.settings import spectacular_settings

    problems: list[Error | Warning] = []
    try:
        with GENERATOR_STATS.silence():
            spectacular_settings.DEFAULT_GENERATOR_CLASS().get_schema(request=None, public=True)
    except Exception as exc:
        problems.append(Error(f"the API schema cannot be built: {exc}", id="mailflow.E020"))
    problems += [Warning(w, id="mailflow.W021") for w in GENERATOR_STATS._warn_cache]
    problems += [Warning(e, id="mailflow.W022") for e in GENERATOR_STATS._error_cache]
    return problems
