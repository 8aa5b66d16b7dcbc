"""Every periodic job, defined in one place. `setup_schedules` applies it (idempotent)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_q.models import Schedule


def next_quiet_hour(now: datetime | None = None) -> datetime:
    """The coming Sunday at 03:00 local time (the program's TIME_ZONE), strictly after
    `now`: when the weekly retraining first runs, instead of at once on a fresh install
    (the first classification trains a model anyway)."""
    now = timezone.localtime(now)
    days = (6 - now.weekday()) % 7
    candidate = (now + timedelta(days=days)).replace(hour=3, minute=0, second=0, microsecond=0)
    if candidate <= now:
        candidate += timedelta(days=7)
    return candidate


def schedule_definitions() -> list[dict]:
    return [
        {
            "name": "collect_emails",
            "func": "emails.tasks.collect_all",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.MAILFLOW_COLLECT_INTERVAL_MINUTES,
            "repeats": -1,
        },
        {
            "name": "send_outbox",
            "func": "sender.tasks.send_outbox",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
        {
            # Re-queues work stuck past a deadline; stale sends become uncertain.
            "name": "sweep",
            "func": "pipeline.tasks.sweep",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.MAILFLOW_SWEEP_MINUTES,
            "repeats": -1,
        },
        {
            "name": "retrain_categorizer",
            "func": "categorizer.tasks.retrain",
            "schedule_type": Schedule.WEEKLY,
            "repeats": -1,
            # only when the schedule is created; later runs keep their own time
            "first_run": next_quiet_hour,
        },
    ]


# Schedules of earlier versions, removed by setup_schedules.
RETIRED = ["sweep_outbox"]


def schedules_setup() -> list[tuple[str, bool]]:
    Schedule.objects.filter(name__in=RETIRED).delete()
    done = []
    for definition in schedule_definitions():
        values = dict(definition)
        name = values.pop("name")
        first_run = values.pop("first_run", None)
        create = {**values, "next_run": first_run()} if first_run else None
        _obj, created = Schedule.objects.update_or_create(
            name=name, defaults=values, create_defaults=create
        )
        done.append((name, created))
    return done
