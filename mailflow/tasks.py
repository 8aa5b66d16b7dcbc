"""Project-wide django-q2 jobs."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def sweep() -> dict:
    """The sweeper: work a killed worker dropped is queued again (every step's due()),
    and messages left "sending" by a dead worker become uncertain for a person."""
    from emails import steps
    from sender import services as outbox

    queued = steps.sweep()
    uncertain = outbox.outbox_sweep()
    if queued or uncertain:
        logger.info("sweep: queued %s, uncertain %d", queued, uncertain)
    return {"queued": queued, "uncertain": uncertain}


def sweep_soon(**_kwargs) -> None:
    """A worker started (after a crash, a deploy, a restart): sweep and collect now instead
    of waiting for the schedules' next turn. Connected to django-q2's post_spawn, which
    every worker of a cluster sends: the first one moves the schedule's next run a period
    ahead and queues the job; the others see it moved and do nothing."""
    from django.db import DatabaseError

    try:
        _kick("sweep", "mailflow.tasks.sweep")
        _kick("collect_emails", "emails.tasks.collect_all")
    except DatabaseError:
        logger.exception("could not queue the start-up sweep")


def _kick(name: str, func: str) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from django_q.models import Schedule
    from django_q.tasks import async_task

    schedule = Schedule.objects.filter(name=name).first()
    if schedule is None:
        return
    period = timedelta(minutes=schedule.minutes or 1)
    now = timezone.now()
    won = Schedule.objects.filter(
        pk=schedule.pk, next_run__lt=now + period - timedelta(seconds=10)
    ).update(next_run=now + period)
    if won:
        async_task(func, task_name=f"{name}:startup")
