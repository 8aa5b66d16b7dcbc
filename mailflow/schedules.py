"""Every periodic job, defined in one place. `setup_schedules` applies it (idempotent)."""

from django.conf import settings


def schedule_definitions() -> list[dict]:
    from django_q.models import Schedule

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
            "func": "mailflow.tasks.sweep",
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.MAILFLOW_SWEEP_MINUTES,
            "repeats": -1,
        },
        {
            "name": "retrain_categorizer",
            "func": "categorizer.tasks.retrain",
            "schedule_type": Schedule.WEEKLY,
            "repeats": -1,
        },
    ]


# Schedules of earlier versions, removed by setup_schedules.
RETIRED = ["sweep_outbox"]


def schedules_setup() -> list[tuple[str, bool]]:
    from django_q.models import Schedule

    Schedule.objects.filter(name__in=RETIRED).delete()
    done = []
    for definition in schedule_definitions():
        values = dict(definition)
        name = values.pop("name")
        _obj, created = Schedule.objects.update_or_create(name=name, defaults=values)
        done.append((name, created))
    return done
