from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DefesaConfig(AppConfig):
    name = "defesa"
    verbose_name = _("Thesis defences")
