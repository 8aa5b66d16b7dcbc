from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from acesso import KIND
from pipeline.kinds import register_kind


class AcessoConfig(AppConfig):
    name = "acesso"
    verbose_name = _("Lab access")

    def ready(self) -> None:
        from acesso import checks, selectors, services, tasks  # noqa: F401 - checks registers the system checks
        from pipeline.steps import Step, register_step

        register_kind(KIND, _("Lab access"))

        register_step(
            Step(
                name="acesso_open",
                due=selectors.open_due,
                run=tasks.open_request,
                after_routing=True,
            )
        )
        register_step(
            Step(
                name="acesso_decision",
                due=selectors.decision_due,
                run=services.access_decide_by_email,
                after_routing=True,
            )
        )
        register_step(Step(name="acesso_advance", due=selectors.advance_due, run=tasks.advance))
        register_step(
            Step(
                name="acesso_finish",
                due=selectors.finish_due,
                run=services.access_finish,
                after_delivery=True,
            )
        )
