from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CategorizerConfig(AppConfig):
    name = "categorizer"
    verbose_name = _("Classification")

    def ready(self) -> None:
        from categorizer import selectors, services
        from pipeline.steps import Step, register_kind_hook, register_step

        register_step(
            Step(
                name="classify",
                due=selectors.classify_due,
                run=services.email_classify,
                run_batch=services.emails_classify,
                after_intake=True,
            )
        )
        register_kind_hook(services.learn_from_person)
