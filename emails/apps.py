from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmailsConfig(AppConfig):
    name = "emails"
    verbose_name = _("Emails")

    def ready(self) -> None:
        from django_q.signals import post_spawn

        from mailflow import checks  # noqa: F401 - registers the project's system checks
        from mailflow.tasks import sweep_soon

        post_spawn.connect(sweep_soon, dispatch_uid="mailflow-sweep-soon")
