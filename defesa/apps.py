from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from defesa import KIND
from pipeline.kinds import register_kind


class DefesaConfig(AppConfig):
    name = "defesa"
    verbose_name = _("Thesis defences")

    def ready(self) -> None:
        from defesa import selectors, services
        from pipeline.steps import Step, register_step

        register_kind(
            KIND,
            _("Thesis defence"),
            recognises=services.defense_recognised,
            doubts=services.defense_doubts,
        )

        register_step(
            Step(
                name="defesa_open",
                due=selectors.open_due,
                run=services.defense_open,
                after_routing=True,
            )
        )
        register_step(
            Step(
                name="defesa_answer",
                due=selectors.answer_due,
                run=services.defense_merge_answer,
                after_routing=True,
            )
        )
        register_step(
            Step(name="defesa_advance", due=selectors.advance_due, run=services.defense_advance)
        )
        register_step(
            Step(
                name="defesa_finish",
                due=selectors.finish_due,
                run=services.defense_finish,
                after_delivery=True,
            )
        )
