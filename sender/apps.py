from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SenderConfig(AppConfig):
    name = "sender"
    verbose_name = _("Outbox")
