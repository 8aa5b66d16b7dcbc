"""Hostile: lab accounts and separation of duties (issue #15, holes 2 and 4).

The real path: the message is stored by `ingest_eml`, the access workflow runs its steps,
the outbox sends to aiosmtpd, the coordinator and the staff act in the admin and the API,
and the accounts are made on real sshd machines (testing/sshd.py), one of which has an
account made by the test before mailflow ever saw the request.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from acesso import services
from acesso.models import AccessRequest, LabAccount, LabAccountAdoption, LabHost
from acesso.tests.lab import logs_in, trust_lab
from acesso.tests.test_admin_api import request_form
from emails import services as email_services
from emails.models import Email
from pipeline import steps
from sender import delivery
from sender.models import OutboundMessage

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGES = Path(__file__).parent / "messages"
COORDINATOR = "coordenacao.ppcomp@ifes.edu.br"
HERS = "Hers0wnPassw0rd"  # the real Maria Souza's password, set by the lab's administrator
REFUSED = "a conta já existe e não foi criada pelo mailflow"


@pytest.fixture
def lab(lab_network, settings):
    return trust_lab(lab_network, settings, coordinator=COORDINATOR)


@pytest.fixture
def maria_on_lab_01(lab):
    """The real Maria Souza's account on lab-01, made by hand long before mailflow: a
    person's uid (>= 1000) and the very comment mailflow would write for her name."""
    machine = lab.machines[0]
    machine.run_inside("useradd", "--create-home", "--comment", "Maria Souza", "maria.souza")
    machine.run_inside("sh", "-c", f"echo 'maria.souza:{HERS}' | chpasswd")
    assert int(machine.run_inside("id", "-u", "maria.souza").stdout) >= 1000
    assert logs_in(machine, "maria.souza", HERS)
    return machine


def _user(django_user_model, name, *codenames, superuser=False):
    if superuser:
        return django_user_model.objects.create_superuser(name, f"{name}@ifes.edu.br", "x")
    user = django_user_model.objects.create_user(name, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def coordinator(django_user_model):
    return _user(
        django_user_model,
        "coordenacao",
        "view_accessrequest",
        "change_accessrequest",
        "decide_accessrequest",
        "view_provisioning",
        "view_accessstatuschange",
        "view_labhost",
    )


@pytest.fixture
def secretary(django_user_model):
    return _user(
        django_user_model,
        "secretaria",
        "view_accessrequest",
        "change_accessrequest",
        "view_provisioning",
        "view_accessstatuschange",
        "view_labhost",
    )


def _opened(message: str) -> AccessRequest:
    """Store the message as `ingest_eml` does, classify it as a person would, and run the
    workflow's steps: the request opens and the coordinator is asked."""
    call_command("ingest_eml", str(MESSAGES / message))
    email = Email.objects.get()
    email_services.email_set_kind(email=email, kind="acesso", confidence=0.97)
    assert steps.run_pending().get("acesso_open") == 1
    return AccessRequest.objects.get(email=email)


def _approve_in_the_admin(client, user, request: AccessRequest) -> None:
    client.force_login(user)
    client.post(
        reverse("admin:acesso_accessrequest_changelist"),
        {"action": "approve", "_selected_action": [request.pk]},
    )


def _sent_to(smtp_server, address: str) -> list[str]:
    return [
        m.message().get_body(("plain",)).get_content()
        for m in smtp_server.messages
        if m.rcpt_tos == [address]
    ]


def _change_page(client, request: AccessRequest) -> str:
    return client.get(
        reverse("admin:acesso_accessrequest_change", args=[request.pk])
    ).content.decode()


def _taken_over_at_approval(lab, client, coordinator) -> AccessRequest:
    request = _opened("accounts-takeover-same-name.eml")
    _approve_in_the_admin(client, coordinator, request)
    request.refresh_from_db()
    return request


def test_a_stranger_naming_a_real_user_never_gets_her_password(
    lab, maria_on_lab_01, smtp_settings, client, coordinator
):
    request = _opened("accounts-takeover-same-name.eml")
    assert (request.student_name, request.login) == ("Maria Souza", "maria.souza")
    assert request.student_email == "mallory.pereira@gmail.example"

    # before deciding, the coordinator's email says lab-01 already has that login
    assert delivery.outbox_send_due().sent == 1
    [question] = _sent_to(smtp_settings, COORDINATOR)
    assert "o login maria.souza já existe nestes computadores do laboratório" in question
    assert "- lab-01: Existe e não foi criada pelo mailflow (uid " in question
    assert "lab-02" not in question and "lab-03" not in question
    # and so does the request's page in the admin
    client.force_login(coordinator)
    page = _change_page(client, request)
    assert "Login já existente nos computadores do laboratório" in page
    assert "lab-01: Existe e não foi criada pelo mailflow" in page
    assert "Assumir a conta existente" not in page  # not a superuser

    # the coordinator authorises anyway: lab-01 fails, her account is untouched
    _approve_in_the_admin(client, coordinator, request)
    request.refresh_from_db()
    assert request.status == "provisioning_failed"
    results = {p.host.name: p for p in request.provisionings.select_related("host")}
    assert results["lab-01"].status == "failed" and REFUSED in results["lab-01"].error
    assert {results["lab-02"].status, results["lab-03"].status} == {"created"}
    generated = services.access_password(request=request)
    assert logs_in(maria_on_lab_01, "maria.souza", HERS)
    assert not logs_in(maria_on_lab_01, "maria.souza", generated)
    assert logs_in(lab.machines[1], "maria.souza", generated)
    assert not LabAccount.objects.filter(host__name="lab-01").exists()
    assert not OutboundMessage.objects.filter(purpose="credentials").exists()
    assert REFUSED in _change_page(client, request)
    # a retry changes nothing either
    services.access_retry(request=request, actor=coordinator)
    assert logs_in(maria_on_lab_01, "maria.souza", HERS)
    assert not logs_in(maria_on_lab_01, "maria.souza", generated)


def test_only_a_superuser_can_take_over_the_existing_account(
    lab, maria_on_lab_01, client, coordinator
):
    request = _taken_over_at_approval(lab, client, coordinator)
    lab_01 = LabHost.objects.get(name="lab-01")
    adopt = reverse("admin:acesso_accessrequest_adopt", args=[request.pk, lab_01.pk])
    client.force_login(coordinator)
    assert client.post(adopt).status_code == 403
    api = APIClient()
    api.force_authenticate(coordinator)
    answer = api.post(f"/api/access-requests/{request.pk}/adopt/", {"host": lab_01.pk})
    assert answer.status_code == 403
    assert "só um superusuário pode assumir" in answer.json()["detail"]
    with pytest.raises(services.AccessPermissionDenied):
        services.access_adopt_account(request=request, host=lab_01, actor=coordinator)
    assert not LabAccountAdoption.objects.exists()
    services.access_retry(request=request, actor=coordinator)
    assert logs_in(maria_on_lab_01, "maria.souza", HERS)


def test_a_superuser_takes_over_one_computer_then_retry_resets_it(
    lab, maria_on_lab_01, client, coordinator, django_user_model
):
    request = _taken_over_at_approval(lab, client, coordinator)
    root = _user(django_user_model, "root.admin", superuser=True)
    client.force_login(root)
    page = _change_page(client, request)
    assert "Assumir a conta existente em lab-01" in page
    lab_01 = LabHost.objects.get(name="lab-01")
    client.post(reverse("admin:acesso_accessrequest_adopt", args=[request.pk, lab_01.pk]))
    # audited: who, which computer, which account
    note = request.status_changes.order_by("-id").first()
    assert note.actor == root
    assert "root.admin permitiu assumir a conta existente maria.souza" in note.note
    assert "em lab-01" in note.note
    client.post(
        reverse("admin:acesso_accessrequest_changelist"),
        {"action": "retry_failed_hosts", "_selected_action": [request.pk]},
    )
    request.refresh_from_db()
    assert request.status == "provisioned"
    generated = services.access_password(request=request)
    assert logs_in(maria_on_lab_01, "maria.souza", generated)
    assert not logs_in(maria_on_lab_01, "maria.souza", HERS)
    account = LabAccount.objects.get(host=lab_01, login="maria.souza")
    assert (account.request_id, account.adopted_by) == (request.pk, root)


def test_retry_after_a_secretarys_edit_runs_the_authorised_identity_only(
    lab, smtp_settings, client, coordinator, secretary
):
    request = _opened("accounts-secretary-edit.eml")
    assert (request.student_name, request.student_email, request.login) == (
        "Ana Lima",
        "ana.lima@aluno.ifes.edu.br",
        "ana.lima",
    )
    lab.machines[2].stop()
    _approve_in_the_admin(client, coordinator, request)
    request.refresh_from_db()
    assert request.status == "provisioning_failed"

    # the secretary edits the name, login and address in the admin: read-only for her
    client.force_login(secretary)
    url = reverse("admin:acesso_accessrequest_change", args=[request.pk])
    page = client.get(url).content.decode()
    assert 'name="login"' not in page and 'name="student_email"' not in page
    assert 'name="student_name"' not in page
    client.post(
        url,
        request_form(
            student_name="Outra Pessoa", student_email="outra@gmail.example", login="outra.pessoa"
        ),
    )
    # and through the API: refused with the reason
    api = APIClient()
    api.force_authenticate(secretary)
    answer = api.patch(
        f"/api/access-requests/{request.pk}/",
        {"student": "Outra Pessoa", "student_email": "outra@gmail.example", "login": "outra"},
        format="json",
    )
    assert answer.status_code == 403
    assert "só um usuário que pode autorizar" in answer.json()["detail"]
    request.refresh_from_db()
    assert (request.student_name, request.student_email, request.login) == (
        "Ana Lima",
        "ana.lima@aluno.ifes.edu.br",
        "ana.lima",
    )

    # an edit that got around the admin (e.g. the database by hand) stops the retry
    AccessRequest.objects.filter(pk=request.pk).update(
        student_email="outra@gmail.example", login="outra.pessoa"
    )
    lab.machines[2].start()
    with pytest.raises(services.AccessError, match="mudou depois da decisão do coordenador"):
        services.access_retry(request=request, actor=secretary)
    assert lab.machines[2].run_inside("getent", "passwd", "outra.pessoa").returncode != 0
    AccessRequest.objects.filter(pk=request.pk).update(
        student_email="ana.lima@aluno.ifes.edu.br", login="ana.lima"
    )

    # the secretary retries: the authorised identity, and the credentials go to it only
    client.post(
        reverse("admin:acesso_accessrequest_changelist"),
        {"action": "retry_failed_hosts", "_selected_action": [request.pk]},
    )
    request.refresh_from_db()
    assert request.status == "provisioned"
    # (the sweeper sends them once every computer has the account; here, at once)
    services.access_send_credentials(request=request)
    delivery.outbox_send_due()
    recipients = {tuple(m.rcpt_tos) for m in smtp_settings.messages}
    assert recipients == {(COORDINATOR,), ("ana.lima@aluno.ifes.edu.br",)}
    [credentials] = _sent_to(smtp_settings, "ana.lima@aluno.ifes.edu.br")
    password = re.search(r"Senha: (\S+)", credentials).group(1)
    assert "Login: ana.lima" in credentials
    assert all(logs_in(m, "ana.lima", password) for m in lab.machines)
    assert all(
        m.run_inside("getent", "passwd", "outra.pessoa").returncode != 0 for m in lab.machines
    )


def test_the_coordinator_may_correct_the_identity_after_deciding(
    lab, client, coordinator, secretary
):
    request = _opened("accounts-secretary-edit.eml")
    lab.machines[2].stop()
    _approve_in_the_admin(client, coordinator, request)
    api = APIClient()
    api.force_authenticate(coordinator)
    answer = api.patch(f"/api/access-requests/{request.pk}/", {"login": "ana.lima2"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["approved_login"] == "ana.lima2"
    note = request.status_changes.order_by("-id").first()
    assert note.actor == coordinator and "ana.lima → ana.lima2" in note.note
