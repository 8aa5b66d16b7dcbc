"""Both roles see the accounts mailflow created on the lab computers, what each computer
said before the decision, and the superusers' take-overs (read only: creating, checking
again and taking over go through the request's page and its permissions)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

ADDED = ["acesso.view_labaccount", "acesso.view_labaccountcheck", "acesso.view_labaccountadoption"]
ROLES = ["Secretaria", "Coordenação"]


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    create_permissions(global_apps.get_app_config("acesso"), verbosity=0, apps=apps, using=using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(
        Permission.objects.using(using).filter(
            content_type__app_label="acesso", codename__in=[p.split(".")[1] for p in ADDED]
        )
    )
    if len(permissions) != len(ADDED):
        raise LookupError(f"unknown permissions among {', '.join(ADDED)}")
    for group in Group.objects.using(using).filter(name__in=ROLES):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="acesso", codename__in=[p.split(".")[1] for p in ADDED]
    )
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_roles"),
        ("acesso", "0005_lab_accounts_and_approved_identity"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
