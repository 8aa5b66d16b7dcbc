"""Which lab computers already have a request's login (the check before the decision),
taking over an existing account, and the accounts mailflow records."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from acesso import services
from acesso.models import AccessRequest, LabAccount, LabAccountAdoption, LabHost
from acesso.tests.lab import trust_lab
from emails import services as email_services
from pipeline import steps
from sender.models import OutboundMessage
from testing.mail import make_raw

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lab(lab_network, settings):
    return trust_lab(lab_network, settings, coordinator="coordenacao.ppcomp@ifes.edu.br")


def _open(body="Nome completo: Maria Souza\n", from_="maria.souza@aluno.ifes.edu.br"):
    email, _ = email_services.email_ingest(
        raw=make_raw(subject="Acesso ao laboratório", body=body, from_=from_)
    )
    email_services.email_set_kind(email=email, kind="acesso", confidence=0.97)
    steps.run_pending()
    return AccessRequest.objects.get(email=email)


def _question() -> str:
    return OutboundMessage.objects.get(purpose="authorisation_request").body_text


def test_dry_run_computers_report_nothing_exists(db, settings):
    settings.MAILFLOW_LAB_SSH_USER = ""
    settings.MAILFLOW_COORDINATOR_EMAIL = "coordenacao.ppcomp@ifes.edu.br"
    LabHost.objects.create(name="trial", address="192.0.2.10", dry_run=True)
    request = _open()
    [check] = request.account_checks.all()
    assert (check.host.name, check.result, check.login) == ("trial", "absent", "maria.souza")
    assert "já existe" not in _question()


def test_a_computer_that_cannot_be_asked_never_holds_the_request_back(lab):
    lab.machines[1].stop()
    request = _open()
    assert request.status == "awaiting_approval"
    checks = {c.host.name: c for c in request.account_checks.select_related("host")}
    assert checks["lab-02"].result == "error" and lab.machines[1].address in checks["lab-02"].error
    assert {checks["lab-01"].result, checks["lab-03"].result} == {"absent"}
    assert "- lab-02: não foi possível verificar" in _question()


def test_the_check_knows_the_accounts_mailflow_made_and_for_whom(lab, admin_client):
    first = _open()
    services.access_approve(request=first, actor=None, actor_label="test")
    assert LabAccount.objects.filter(login="maria.souza").count() == 3
    # the same student again: every computer has the account mailflow made for her
    again = _open(body="Nome completo: Maria Souza\nPreciso de nova senha.\n")
    assert {c.result for c in again.account_checks.all()} == {"same_person"}
    assert again.login == "maria.souza"
    # the admin's check on demand, and the page of the request
    lab.machines[0].run_inside("userdel", "--remove", "maria.souza")
    response = admin_client.post(
        reverse("admin:acesso_accessrequest_changelist"),
        {"action": "check_accounts", "_selected_action": [again.pk]},
        follow=True,
    )
    assert "o login existe em lab-02, lab-03" in response.content.decode()
    page = admin_client.get(
        reverse("admin:acesso_accessrequest_change", args=[again.pk])
    ).content.decode()
    assert "lab-02: Existe, criada pelo mailflow para este aluno" in page
    assert "Assumir a conta existente" not in page  # nothing to take over


def test_a_system_account_is_never_taken_over(lab, admin_user):
    lab.machines[0].run_inside("useradd", "--system", "--comment", "Maria Souza", "maria.souza")
    request = _open()
    host = LabHost.objects.get(name="lab-01")
    assert request.account_checks.get(host=host).result == "not_mailflow"
    with pytest.raises(services.AccessError, match="conta do sistema"):
        services.access_adopt_account(request=request, host=host, actor=admin_user)
    assert not LabAccountAdoption.objects.exists()


def test_the_api_lists_the_accounts_and_the_checks(lab, admin_user):
    request = _open()
    services.access_approve(request=request, actor=admin_user)
    api = APIClient()
    api.force_authenticate(admin_user)
    accounts = api.get("/api/lab-accounts/").json()["results"]
    assert sorted(a["host"] for a in accounts) == ["lab-01", "lab-02", "lab-03"]
    assert all(a["request"] == request.pk and a["uid"] >= 1000 for a in accounts)
    detail = api.get(f"/api/access-requests/{request.pk}/").json()
    assert {c["result"] for c in detail["existing_accounts"]} == {"absent"}
    assert detail["approved_login"] == "maria.souza"
