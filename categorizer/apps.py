from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CategorizerConfig(AppConfig):
    name = "categorizer"
    verbose_name = _("Classification")
