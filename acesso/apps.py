from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcessoConfig(AppConfig):
    name = "acesso"
    verbose_name = _("Lab access")
