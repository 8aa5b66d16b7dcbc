"""The project-wide commands: setup_schedules, process_pending, ensure_staff_user; and the
start-up kick of a worker."""

import importlib
from datetime import datetime, timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from django_q.models import OrmQ, Schedule
from django_q.signals import post_spawn

from mailflow.schedules import next_quiet_hour
from pipeline.tasks import SCHEDULER_LOOK_SECONDS

pytestmark = pytest.mark.django_db


def test_setup_schedules_is_idempotent(capsys):
    call_command("setup_schedules")
    call_command("setup_schedules")
    schedule = Schedule.objects.get(name="collect_emails")
    assert Schedule.objects.filter(name="collect_emails").count() == 1
    assert schedule.func == "emails.tasks.collect_all"
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 1
    assert "updated: collect_emails" in capsys.readouterr().out


def test_process_pending_with_nothing_to_do(capsys, isolated_steps):
    call_command("process_pending")
    assert "Nothing to do." in capsys.readouterr().out


def test_ensure_staff_user_prints_password_once(capsys):
    call_command("ensure_staff_user")
    out = capsys.readouterr().out
    assert "Staff user created: admin / " in out
    password = out.split("admin / ")[1].split()[0]
    assert get_user_model().objects.get(username="admin").check_password(password)
    call_command("ensure_staff_user")
    assert "already exists" in capsys.readouterr().out


def test_setup_schedules_defines_every_job_once(settings):
    Schedule.objects.create(name="sweep_outbox", func="sender.tasks.sweep_outbox")
    call_command("setup_schedules")
    call_command("setup_schedules")
    jobs = dict(Schedule.objects.values_list("name", "func"))
    assert jobs == {
        "collect_emails": "emails.tasks.collect_all",
        "send_outbox": "sender.tasks.send_outbox",
        "sweep": "pipeline.tasks.sweep",
        "retrain_categorizer": "categorizer.tasks.retrain",
    }
    sweep = Schedule.objects.get(name="sweep")
    assert sweep.minutes == settings.MAILFLOW_SWEEP_MINUTES
    assert settings.Q_CLUSTER["timeout"] < settings.Q_CLUSTER["retry"]
    assert settings.Q_CLUSTER["catch_up"] is False and settings.Q_CLUSTER["max_attempts"] >= 1


def test_weekly_retraining_waits_for_a_quiet_hour():
    """Not at once on a fresh install: the coming Sunday at 03:00 local time, and a
    second setup_schedules keeps the schedule's own time."""

    call_command("setup_schedules")
    retrain = Schedule.objects.get(name="retrain_categorizer")
    first = timezone.localtime(retrain.next_run)
    assert (first.weekday(), first.hour, first.minute) == (6, 3, 0)
    assert timezone.now() < first <= timezone.now() + timedelta(days=7)
    Schedule.objects.filter(pk=retrain.pk).update(next_run=first + timedelta(hours=1))
    call_command("setup_schedules")
    assert Schedule.objects.get(pk=retrain.pk).next_run == first + timedelta(hours=1)
    # a Sunday after 03:00 waits for the next one; before 03:00, for that same night
    tz = timezone.get_current_timezone()
    sunday_noon = datetime(2026, 11, 29, 12, 0, tzinfo=tz)
    assert next_quiet_hour(sunday_noon) == datetime(2026, 12, 6, 3, 0, tzinfo=tz)
    sunday_early = datetime(2026, 11, 29, 2, 0, tzinfo=tz)
    assert next_quiet_hour(sunday_early) == datetime(2026, 11, 29, 3, 0, tzinfo=tz)


def test_a_starting_worker_sweeps_and_collects_once():
    call_command("setup_schedules")
    post_spawn.send(sender="django_q", proc_name="Worker-1")
    post_spawn.send(sender="django_q", proc_name="Worker-2")  # the same cluster
    queued = sorted(task.func() for task in OrmQ.objects.all())
    assert queued == ["emails.tasks.collect_all", "pipeline.tasks.sweep"]
    # the next regular run is not due again at once, and comes at most a period after the
    # kick even though the cluster only looks at its schedules every 30 s
    for name in ("sweep", "collect_emails"):
        schedule = Schedule.objects.get(name=name)
        ahead = schedule.next_run - timezone.now()
        period = timedelta(minutes=schedule.minutes)
        assert timedelta(0) < ahead <= period - timedelta(seconds=SCHEDULER_LOOK_SECONDS)


def test_schedules_of_the_old_task_paths_point_at_the_new_ones():
    """A deploy that only migrates: schedules stored with the paths of before the pipeline
    app (any name, made by hand too) run the tasks at their new paths."""
    migration = importlib.import_module("pipeline.migrations.0001_schedule_paths")
    Schedule.objects.create(name="sweep", func="mailflow.tasks.sweep")
    Schedule.objects.create(name="by hand", func="emails.tasks.run_due_steps", args="['x']")
    Schedule.objects.create(name="collect_emails", func="emails.tasks.collect_all")
    migration.forwards(apps, None)
    assert dict(Schedule.objects.values_list("name", "func")) == {
        "sweep": "pipeline.tasks.sweep",
        "by hand": "pipeline.tasks.run_due_steps",
        "collect_emails": "emails.tasks.collect_all",
    }
