from django.apps import AppConfig


class PipelineConfig(AppConfig):
    """The spine every email goes along: the kinds of request and the steps the workflow
    apps register (in their AppConfig.ready), the tasks that run them, the sweeper, and the
    project-wide commands (process_pending, setup_schedules, ensure_staff_user)."""

    name = "pipeline"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        from mailflow import checks  # noqa: F401 - registers the project's system checks
        from pipeline.tasks import sweep_soon

        post_spawn.connect(sweep_soon, dispatch_uid="mailflow-sweep-soon")
