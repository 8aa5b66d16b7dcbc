"""The groups the data migration creates, and what their members can do in the admin and
the API."""

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from acesso.models import AccessRequest, LabHost
from defesa.models import DefenseRequest
from defesa.tests.factories import COMPLETE, defense_email
from pipeline import steps
from sender.models import OutboundMessage

pytestmark = pytest.mark.django_db

SECRETARIA = {
    "emails.view_email",
    "emails.change_email",
    "emails.view_attachment",
    "emails.view_statuschange",
    "emails.view_mailbox",
    "sender.view_outboundmessage",
    "sender.add_outboundmessage",
    "sender.change_outboundmessage",
    "sender.view_outboundattachment",
    "sender.view_outboundstatuschange",
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
    "acesso.view_accessrequest",
    "acesso.change_accessrequest",
    "acesso.view_provisioning",
    "acesso.view_accessstatuschange",
    "acesso.view_labhost",
    # 0002: the accounts mailflow made, the checks before the decision, the take-overs
    "acesso.view_labaccount",
    "acesso.view_labaccountcheck",
    "acesso.view_labaccountadoption",
}
COORDENACAO = {p for p in SECRETARIA if ".view_" in p} | {
    "acesso.change_accessrequest",
    "acesso.decide_accessrequest",
    "acesso.change_labhost",
}


def _codenames(name: str) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=name).permissions.select_related("content_type")
    }


def test_the_migration_creates_both_groups_with_exactly_their_permissions():
    assert _codenames("Secretaria") == SECRETARIA
    assert _codenames("Coordenação") == COORDENACAO
    assert "acesso.decide_accessrequest" not in _codenames("Secretaria")


def test_running_it_again_restores_exactly_that_set():
    migration = importlib.import_module("staff.migrations.0001_roles")
    lab_accounts = importlib.import_module("staff.migrations.0002_lab_accounts_view")
    secretaria = Group.objects.get(name="Secretaria")
    secretaria.permissions.add(Permission.objects.get(codename="decide_accessrequest"))
    secretaria.permissions.remove(Permission.objects.get(codename="review_defenserequest"))
    Group.objects.get(name="Coordenação").delete()

    for _ in range(2):
        migration.create_roles(apps, SimpleNamespace(connection=connection))
        lab_accounts.grant(apps, SimpleNamespace(connection=connection))

    assert _codenames("Secretaria") == SECRETARIA
    assert _codenames("Coordenação") == COORDENACAO
    assert Group.objects.filter(name__in=["Secretaria", "Coordenação"]).count() == 2


def _defense_awaiting_review() -> DefenseRequest:
    email = defense_email(COMPLETE)
    steps.run_pending()
    defense = DefenseRequest.objects.get(email=email)
    assert defense.status == DefenseRequest.Status.AWAITING_REVIEW
    return defense


def _form_data(response) -> dict:
    """What the browser posts back: every field of the page's forms as shown."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if isinstance(value, datetime.date):
                value = value.strftime("%d/%m/%Y")
            elif isinstance(value, datetime.time):
                value = value.strftime("%H:%M")
            data[form[name].html_name] = value
    return data


def test_secretaria_reviews_and_approves_a_defence(client, secretaria):
    defense = _defense_awaiting_review()
    client.force_login(secretaria)
    url = reverse("admin:defesa_defenserequest_change", args=[defense.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="Maria Souza"' in html
    assert 'value="Carlos Pereira"' in html  # the committee inline is shown and editable
    document = defense.documents.get(kind="ata_aprovado")
    download = reverse("admin:defesa_defenserequest_document", args=[defense.pk, document.pk])
    assert download in html
    assert client.get(download).status_code == 200

    data = _form_data(page)
    data["_approve"] = "1"
    assert client.post(url, data).status_code == 302
    defense.refresh_from_db()
    assert defense.status == DefenseRequest.Status.APPROVED
    assert defense.approved_by == secretaria
    assert OutboundMessage.objects.filter(purpose__in=["chamado", "documents"]).count() == 2


def test_secretaria_cannot_authorise_lab_access(client, secretaria):
    LabHost.objects.create(name="lab-01", address="192.0.2.10", dry_run=True)
    access = AccessRequest.objects.create(
        student_name="Maria Souza", student_email="maria@aluno.ifes.edu.br", login="maria.souza"
    )
    client.force_login(secretaria)
    changelist = reverse("admin:acesso_accessrequest_changelist")
    page = client.get(changelist)
    assert page.status_code == 200  # she follows the requests
    html = page.content.decode()
    assert 'value="approve"' not in html and 'value="deny"' not in html
    client.post(changelist, {"action": "approve", "_selected_action": [access.pk]})
    client.post(changelist, {"action": "deny", "_selected_action": [access.pk], "reason": "x"})
    access.refresh_from_db()
    assert access.status == AccessRequest.Status.AWAITING_APPROVAL

    api = APIClient()
    api.force_authenticate(secretaria)
    assert api.get(f"/api/access-requests/{access.pk}/").status_code == 200
    assert api.post(f"/api/access-requests/{access.pk}/approve/").status_code == 403
    assert api.post(f"/api/access-requests/{access.pk}/deny/", {"reason": "x"}).status_code == 403
    access.refresh_from_db()
    assert access.status == AccessRequest.Status.AWAITING_APPROVAL
    assert not OutboundMessage.objects.filter(purpose="credentials").exists()


def test_coordenacao_authorises_lab_access(client, coordenacao):
    LabHost.objects.create(name="lab-01", address="192.0.2.10", dry_run=True)
    access = AccessRequest.objects.create(
        student_name="Maria Souza", student_email="maria@aluno.ifes.edu.br", login="maria.souza"
    )
    client.force_login(coordenacao)
    changelist = reverse("admin:acesso_accessrequest_changelist")
    assert 'value="approve"' in client.get(changelist).content.decode()
    client.post(changelist, {"action": "approve", "_selected_action": [access.pk]})
    access.refresh_from_db()
    assert access.status == AccessRequest.Status.CREDENTIALS_QUEUED
    assert access.decided_by == coordenacao
    assert OutboundMessage.objects.filter(purpose="credentials").count() == 1


def test_coordenacao_sees_defences_but_does_not_approve_them(client, coordenacao):
    defense = _defense_awaiting_review()
    client.force_login(coordenacao)
    assert (
        client.get(reverse("admin:defesa_defenserequest_change", args=[defense.pk])).status_code
        == 200
    )
    changelist = reverse("admin:defesa_defenserequest_changelist")
    assert 'value="approve"' not in client.get(changelist).content.decode()
    client.post(changelist, {"action": "approve", "_selected_action": [defense.pk]})
    defense.refresh_from_db()
    assert defense.status == DefenseRequest.Status.AWAITING_REVIEW
