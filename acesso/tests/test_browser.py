"""The coordinator authorises lab access in a real browser; a secretary cannot."""

import pytest

from acesso.models import AccessRequest, LabHost
from defesa.tests.test_browser import log_in, staff_user
from emails import services as email_services
from pipeline import steps
from testing.browser import save_screenshot
from testing.mail import make_raw

pytestmark = pytest.mark.django_db(transaction=True)


def _waiting_request() -> AccessRequest:
    LabHost.objects.create(name="lab-01", address="192.0.2.10", dry_run=True)
    LabHost.objects.create(name="lab-02", address="192.0.2.11", dry_run=True)
    email, _ = email_services.email_ingest(
        raw=make_raw(
            subject="Acesso ao laboratório",
            body="Olá! Preciso de acesso aos computadores do laboratório.\n\n"
            "Nome completo: Maria Souza\n",
            from_="Maria Souza <maria.souza@aluno.ifes.edu.br>",
        )
    )
    email_services.email_set_kind(email=email, kind="acesso", confidence=0.97)
    steps.run_pending()
    request = AccessRequest.objects.get(email=email)
    assert request.status == "awaiting_approval"
    return request


def _select_and_run(page, live_server, request, action: str) -> None:
    page.goto(f"{live_server.url}/admin/acesso/accessrequest/")
    page.check(f"input[name=_selected_action][value='{request.pk}']")
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


def test_coordinator_authorises_and_sees_each_computer(page, live_server):
    request = _waiting_request()
    staff_user("coordenacao", "Coordenação")
    log_in(page, live_server, "coordenacao")
    _select_and_run(page, live_server, request, "approve")
    page.wait_for_selector(".messagelist")
    page.goto(f"{live_server.url}/admin/acesso/accessrequest/{request.pk}/change/")
    results = page.inner_text("#provisionings-group")
    assert "lab-01" in results and "lab-02" in results
    assert results.count("Conta criada") == 2
    save_screenshot(page, "access-request")
    request.refresh_from_db()
    assert request.status == "credentials_queued"


def test_a_secretary_cannot_authorise(page, live_server):
    request = _waiting_request()
    staff_user("secretaria", "Secretaria")
    log_in(page, live_server, "secretaria")
    page.goto(f"{live_server.url}/admin/acesso/accessrequest/")
    options = page.locator("select[name=action] option").all_inner_texts()
    assert options and not any("Autorizar" in option for option in options)
    page.goto(f"{live_server.url}/admin/acesso/accessrequest/{request.pk}/change/")
    assert "Aguardando autorização" in page.inner_text("#content")
    request.refresh_from_db()
    assert request.status == "awaiting_approval"
