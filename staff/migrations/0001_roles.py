"""The staff's roles: the groups "Secretaria" and "Coordenação" with exactly the
permissions their work needs. Staff users are put in a group in the admin (Users).

Frozen here on purpose: a later change of a role is a new migration. Running this again
(e.g. migrating back and forth) sets each group's permissions to exactly this set.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

DOMAIN_APPS = ["emails", "sender", "acesso", "defesa", "categorizer"]

# What the secretariat does in the admin, page by page and action by action:
SECRETARIA = [
    # Emails: read them (with attachments and history), correct the kind (change;
    # the "Classify as" actions need change). Mailboxes: see the last collection and
    # test the connection (an action that needs only view).
    "emails.view_email",
    "emails.change_email",
    "emails.view_attachment",
    "emails.view_statuschange",
    "emails.view_mailbox",
    # The outbox: read, approve and send drafts, retry failures, resolve uncertain sends
    # (every action needs change).
    "sender.view_outboundmessage",
    "sender.add_outboundmessage",
    "sender.change_outboundmessage",
    "sender.view_outboundattachment",
    "sender.view_outboundstatuschange",
    # Defences: correct the data and the committee (the inline adds, edits and removes
    # members), regenerate the documents (change), approve or reject (review), download
    # the generated documents, upload new document templates.
    "defesa.view_defenserequest",
    "defesa.change_defenserequest",
    "defesa.review_defenserequest",
    "defesa.view_defensestatuschange",
    "defesa.view_committeemember",
    "defesa.add_committeemember",
    "defesa.change_committeemember",
    "defesa.delete_committeemember",
    "defesa.view_generateddocument",
    "defesa.view_documenttemplate",
    "defesa.add_documenttemplate",
    "defesa.change_documenttemplate",
    # Lab access: follow the requests, correct a name or login and retry failed computers
    # (change), see the lab computers; the decision is the coordinator's (no
    # acesso.decide_accessrequest).
    "acesso.view_accessrequest",
    "acesso.change_accessrequest",
    "acesso.view_provisioning",
    "acesso.view_accessstatuschange",
    "acesso.view_labhost",
]

# The coordinator sees everything the secretariat sees, authorises or denies lab access
# (decide; correcting a request and retrying failed computers need change), and keeps
# the lab computers (trust a host key, enable, disable: change).
COORDENACAO = sorted(
    {p for p in SECRETARIA if ".view_" in p}
    | {
        "acesso.change_accessrequest",
        "acesso.decide_accessrequest",
        "acesso.change_labhost",
    }
)

ROLES = {"Secretaria": SECRETARIA, "Coordenação": COORDENACAO}


def create_roles(apps, schema_editor):
    using = schema_editor.connection.alias
    # Permissions are otherwise created only after the whole migrate run (post_migrate):
    # on a fresh database the custom ones (decide, review) would not exist yet.
    for label in DOMAIN_APPS:
        create_permissions(global_apps.get_app_config(label), verbosity=0, apps=apps, using=using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in ROLES.items():
        found = {
            f"{p.content_type.app_label}.{p.codename}": p
            for p in Permission.objects.using(using)
            .select_related("content_type")
            .filter(
                content_type__app_label__in={w.split(".")[0] for w in wanted},
                codename__in={w.split(".")[1] for w in wanted},
            )
        }
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise LookupError(f"Group {name}: unknown permissions {', '.join(missing)}")
        group, _created = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set([found[w] for w in wanted])


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("emails", "0004_email_kind_scores"),
        ("sender", "0001_initial"),
        ("acesso", "0003_login_validator"),
        ("defesa", "0001_initial"),
        ("categorizer", "0001_initial"),
    ]

    # Going back leaves the groups: users may belong to them.
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
