"""The pipeline's tasks left emails/ and mailflow/: schedules stored with the old dotted
paths (made by `setup_schedules` of earlier versions, or by hand in the admin) point at the
new ones. `setup_schedules` rewrites its own schedules by name too; this covers a deploy
that only migrates, and schedules with other names."""

from django.db import migrations

MOVED = {
    "emails.tasks.run_step": "pipeline.tasks.run_step",
    "emails.tasks.run_steps": "pipeline.tasks.run_steps",
    "emails.tasks.run_due_steps": "pipeline.tasks.run_due_steps",
    "mailflow.tasks.sweep": "pipeline.tasks.sweep",
}


def forwards(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for old, new in MOVED.items():
        Schedule.objects.filter(func=old).update(func=new)


def backwards(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for old, new in MOVED.items():
        Schedule.objects.filter(func=new).update(func=old)


class Migration(migrations.Migration):
    dependencies = [
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
