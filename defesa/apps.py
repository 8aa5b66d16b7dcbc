from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DefesaConfig(AppConfig):
    name = "defesa"
    verbose_name = _("Thesis defences")

    def ready(self) -> None:
        from defesa import services
        from emails.steps import Step, register_step

        register_step(Step(name="defesa_open", due=services.open_due, run=services.defense_open))
        register_step(
            Step(
                name="defesa_answer",
                due=services.answer_due,
                run=services.defense_merge_answer,
            )
        )
        register_step(
            Step(name="defesa_finish", due=services.finish_due, run=services.defense_finish)
        )
