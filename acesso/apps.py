from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from acesso import KIND
from pipeline.kinds import register_kind


class AcessoConfig(AppConfig):
    name = "acesso"
    verbose_name = _("Lab access")

    def ready(self) -> None:
        from acesso import checks, services  # noqa: F401 - checks registers the system checks
        from pipeline.steps import Step, register_step

        register_kind(KIND, _("Lab access"))

        register_step(
            Step(
                name="acesso_open",
                due=services.open_due,
                run=services.access_open_step,
                after_routing=True,
            )
        )
        register_step(
            Step(
                name="acesso_decision",
                due=services.decision_due,
                run=services.access_decide_by_email,
                after_routing=True,
            )
        )
        register_step(
            Step(name="acesso_advance", due=services.advance_due, run=services.access_advance)
        )
        register_step(
            Step(
                name="acesso_finish",
                due=services.finish_due,
                run=services.access_finish,
                after_delivery=True,
            )
        )
