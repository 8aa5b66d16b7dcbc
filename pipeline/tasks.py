"""django-q2 entry points of the pipeline: run steps, sweep, and the start-up kick.

Where these used to live: `emails.tasks.run_step`, `run_steps`, `run_due_steps` and
`mailflow.tasks.sweep`. The schedules stored in the database are rewritten to the new paths
by the migration pipeline/0001 (and by `setup_schedules`, which updates every schedule by
name). No alias is kept at the old paths for tasks queued before an upgrade and run after
it: such a task fails once in the worker ("Function ... is not defined", listed with the
failed tasks) and loses nothing, because every step reads its due work from the database
(`Step.due`), and the new workers sweep when they start (`sweep_soon`), which queues that
work again under the new paths.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import DatabaseError
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from pipeline import steps
from sender import delivery

logger = logging.getLogger(__name__)


def run_step(name: str, ids: list[int]) -> int:
    return steps.run_step(name, ids)


def run_steps(names: list[str], ids: list[int]) -> dict[str, int]:
    return {name: steps.run_step(name, ids) for name in names}


def run_due_steps(names: list[str]) -> dict[str, int]:
    return {name: steps.run_due(name) for name in names}


def sweep() -> dict:
    """The sweeper: work a killed worker dropped is queued again (every step's due()),
    and messages left "sending" by a dead worker become uncertain for a person."""
    queued = steps.sweep()
    uncertain = delivery.outbox_sweep()
    if queued or uncertain:
        logger.info("sweep: queued %s, uncertain %d", queued, uncertain)
    return {"queued": queued, "uncertain": uncertain}


def sweep_soon(**_kwargs) -> None:
    """A worker started (after a crash, a deploy, a restart): sweep and collect now instead
    of waiting for the schedules' next turn. Connected to django-q2's post_spawn, which
    every worker of a cluster sends: the first one moves the schedule's next run a period
    ahead and queues the job; the others see it moved and do nothing."""
    try:
        _kick("sweep", "pipeline.tasks.sweep")
        _kick("collect_emails", "emails.tasks.collect_all")
    except DatabaseError:
        logger.exception("could not queue the start-up sweep")


# django-q2's cluster looks at its schedules every 30 s (fixed in its guard loop): a
# schedule runs at the first look after its next_run.
SCHEDULER_LOOK_SECONDS = 30


def _kick(name: str, func: str) -> None:
    """Queue the job now and move its schedule's next run to a period from now, minus one
    scheduler look, so the first regular run comes at most a period after this one (not up
    to a period and a half, which a next run set to exactly a period away would mean)."""
    schedule = Schedule.objects.filter(name=name).first()
    if schedule is None:
        return
    ahead = timedelta(minutes=schedule.minutes or 1) - timedelta(seconds=SCHEDULER_LOOK_SECONDS)
    now = timezone.now()
    # compare-and-set: the first worker of a starting cluster wins; the others see the
    # next run already moved (a margin of 10 s covers their staggered start)
    won = Schedule.objects.filter(
        pk=schedule.pk, next_run__lt=now + ahead - timedelta(seconds=10)
    ).update(next_run=now + ahead)
    if won:
        async_task(func, task_name=f"{name}:startup")
