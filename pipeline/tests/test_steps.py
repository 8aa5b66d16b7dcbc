"""The step registry: steps registered by apps, run in-process or queued as tasks."""

import pytest
from django_q.models import OrmQ

from emails import services
from emails.models import Email
from pipeline import steps
from testing.mail import make_raw

pytestmark = pytest.mark.django_db


class _Recorder:
    def __init__(self):
        self.ran: list[int] = []

    def due(self):
        return list(
            Email.objects.filter(status="received")
            .exclude(pk__in=self.ran)
            .values_list("pk", flat=True)
        )

    def run(self, pk):
        self.ran.append(pk)


def test_process_pending_runs_registered_steps(isolated_steps):
    recorder = _Recorder()
    steps.register_step(steps.Step("test_step", recorder.due, recorder.run))
    try:
        a, _ = services.email_ingest(raw=make_raw())
        b, _ = services.email_ingest(raw=make_raw())
        totals = steps.run_pending()
        assert totals == {"test_step": 2}
        assert sorted(recorder.ran) == sorted([a.pk, b.pk])
        assert steps.run_pending() == {}
    finally:
        steps.unregister_step("test_step")


def test_failing_step_does_not_loop(isolated_steps):
    def run(pk):
        raise RuntimeError("always fails")

    steps.register_step(steps.Step("broken", lambda: [1, 2], run))
    try:
        assert steps.run_pending() == {"broken": 2}
    finally:
        steps.unregister_step("broken")


def test_after_intake_step_is_queued_on_commit(django_capture_on_commit_callbacks, isolated_steps):
    steps.register_step(steps.Step("classify_test", lambda: [], lambda pk: None, after_intake=True))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            email, _ = services.email_ingest(raw=make_raw())
        queued = OrmQ.objects.all()
        assert queued.count() == 1
        task = queued.get().task
        assert task["func"] == "pipeline.tasks.run_step"
        assert task["args"] == ("classify_test", [email.pk])
    finally:
        steps.unregister_step("classify_test")
