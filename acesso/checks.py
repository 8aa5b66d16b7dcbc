"""System checks of lab access's configuration."""

from django.conf import settings
from django.core.checks import Error, register

from mailflow.checks import MAILFLOW


@register(MAILFLOW)
def decision_key_configured(app_configs, **kwargs) -> list[Error]:
    """Without MAILFLOW_DECISION_KEY our Message-IDs carry no token and no answer by email
    from the coordinator can count: production refuses to start instead."""
    if settings.DEBUG or settings.MAILFLOW_TRIAL or settings.MAILFLOW_DECISION_KEY:
        return []
    return [
        Error(
            "MAILFLOW_DECISION_KEY is not set: the coordinator's decisions by email cannot be "
            "verified.",
            hint=(
                "Set MAILFLOW_DECISION_KEY to a random value, separate from SECRET_KEY: "
                'python -c "import secrets; print(secrets.token_urlsafe(32))"'
            ),
            id="acesso.E001",
        )
    ]
