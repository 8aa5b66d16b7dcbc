from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The trial run (`make run`): demo data, a file outbox, and the supervisor that runs the
    web server and the worker together. Nothing here is needed in production."""

    name = "demo"
    verbose_name = _("Demo")
