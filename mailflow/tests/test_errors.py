"""One domain error base class, answered by one DRF exception handler (mailflow.api)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from acesso import services as access_services
from acesso.models import AccessRequest, LabHost
from defesa import services as defense_services
from emails import services as email_services
from mailflow.errors import DomainError, TransitionRefused
from sender import services as outbox
from testing.mail import make_raw

pytestmark = pytest.mark.django_db


def _coordinator():
    user = get_user_model().objects.create_user("coordenacao", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_accessrequest", "change_accessrequest", "decide_accessrequest"]
        )
    )
    api = APIClient()
    api.force_authenticate(user)
    return api


def _request(**fields) -> AccessRequest:
    return AccessRequest.objects.create(
        student_name="Maria Souza",
        student_email="maria@aluno.ifes.edu.br",
        login=fields.pop("login", "maria.souza"),
        **fields,
    )


def test_the_apps_errors_are_domain_errors():
    assert issubclass(defense_services.DefenseError, DomainError)
    assert issubclass(access_services.AccessError, DomainError)
    assert issubclass(outbox.OutboxError, DomainError)
    assert issubclass(email_services.TransitionNotAllowed, TransitionRefused)


def test_a_refused_transition_answers_409_with_the_reason_in_portuguese():
    access = _request(status=AccessRequest.Status.DENIED, denial_reason="Sem vagas.")
    response = _coordinator().post(f"/api/access-requests/{access.pk}/approve/")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "um pedido na situação “Negado” não pode passar a “Autorizado”"
    }
    access.refresh_from_db()
    assert access.status == "denied" and access.decided_by is None


def test_a_domain_error_answers_its_own_status_code():
    LabHost.objects.create(name="lab-01", address="192.0.2.10", dry_run=True)
    access = _request()
    api = _coordinator()
    host = LabHost.objects.get()
    response = api.post(f"/api/access-requests/{access.pk}/adopt/", {"host": host.pk})
    assert response.status_code == 403
    assert response.json() == {
        "detail": "só um superusuário pode assumir uma conta existente em um computador do "
        "laboratório"
    }


def test_a_login_no_lab_computer_may_receive_answers_409_and_reaches_no_host():
    LabHost.objects.create(name="lab-01", address="192.0.2.10", dry_run=True)
    access = _request(login="x; rm -rf /")
    response = _coordinator().post(f"/api/access-requests/{access.pk}/approve/")
    assert response.status_code == 409 and "x; rm -rf /" in response.json()["detail"]
    assert not access.provisionings.exists()


def test_an_outbox_refusal_keeps_its_400(monkeypatch, admin_user):
    email, _created = email_services.email_ingest(raw=make_raw())
    message = outbox.outbound_compose(email=email, purpose="rejection", body_text="Olá")

    def refuse(**kwargs):
        raise outbox.OutboxError("nenhum destinatário")

    monkeypatch.setattr(outbox, "outbound_approve", refuse)
    api = APIClient()
    api.force_authenticate(admin_user)
    response = api.post(f"/api/outbox/{message.pk}/approve/")
    assert response.status_code == 400
    assert response.json() == {"detail": "nenhum destinatário"}


def test_an_unrelated_exception_is_not_swallowed(monkeypatch):
    access = _request()

    def broken(**kwargs):
        raise RuntimeError("a bug, not a refusal")

    monkeypatch.setattr(access_services, "access_retry", broken)
    api = _coordinator()
    with pytest.raises(RuntimeError, match="a bug, not a refusal"):
        api.post(f"/api/access-requests/{access.pk}/retry/")
    api.raise_request_exception = False
    assert api.post(f"/api/access-requests/{access.pk}/retry/").status_code == 500
