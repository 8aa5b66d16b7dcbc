from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SenderConfig(AppConfig):
    name = "sender"
    verbose_name = _("Outbox")

    def ready(self) -> None:
        from pipeline.steps import register_intake_hook
        from sender import checks  # noqa: F401 - registers the system checks
        from sender.services import link_replies

        register_intake_hook(link_replies)
