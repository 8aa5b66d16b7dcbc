import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from sender import services
from sender.models import OutboundMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(db):
    staff = get_user_model().objects.create_user("sec", password="x", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="sender",
            codename__in=["view_outboundmessage", "change_outboundmessage"],
        )
    )
    client = APIClient()
    client.force_authenticate(staff)
    return client


def test_outbox_requires_staff(db):
    assert APIClient().get("/api/outbox/").status_code == 401


def test_list_detail_and_masking(api, request_email):
    message = services.outbound_compose(
        email=request_email,
        purpose="credentials",
        body_text=f"login: maria.souza senha: {services.SECRET_TOKEN.format(name='password')}",
        secrets={"password": "S3gr3d0-Forte!"},
        reply_to="Secretaria PPComp <secretaria@ppcomp.example>",
    )
    listing = api.get("/api/outbox/").json()
    assert listing["count"] == 1
    item = listing["results"][0]
    assert item["status"] == "draft" and item["purpose"] == "credentials"
    assert item["case_email"] == request_email.pk
    assert item["reply_to"] == "secretaria@ppcomp.example"
    detail = api.get(f"/api/outbox/{message.pk}/")
    assert detail.status_code == 200
    assert "S3gr3d0-Forte!" not in detail.content.decode()
    assert detail.json()["body_text"] == "login: maria.souza senha: ••••••••"
    assert api.get("/api/outbox/?status=sent").json()["count"] == 0


def test_approve_then_conflict(api, request_email):
    message = services.outbound_compose(email=request_email, purpose="x", body_text="x")
    response = api.post(f"/api/outbox/{message.pk}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "queued"
    again = api.post(f"/api/outbox/{message.pk}/approve/")
    assert again.status_code == 409
    assert again.json()["detail"]
    retry = api.post(f"/api/outbox/{message.pk}/retry/")
    assert retry.status_code == 409


def test_retry_failed(api, request_email):
    message = services.outbound_compose(email=request_email, purpose="x", body_text="x")
    OutboundMessage.objects.filter(pk=message.pk).update(status="failed", attempts=5)
    response = api.post(f"/api/outbox/{message.pk}/retry/")
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 0


def test_discard_with_a_reason(api, request_email):
    message = services.outbound_compose(email=request_email, purpose="x", body_text="x")
    too_long = api.post(f"/api/outbox/{message.pk}/discard/", {"reason": "x" * 1001})
    assert too_long.status_code == 400 and "reason" in too_long.json()
    response = api.post(f"/api/outbox/{message.pk}/discard/", {"reason": "duplicado"})
    assert response.status_code == 200 and response.json()["status"] == "discarded"
    assert response.json()["history"][-1]["note"] == "duplicado"
    again = api.post(f"/api/outbox/{message.pk}/discard/")
    assert again.status_code == 409 and again.json()["detail"]


@pytest.mark.parametrize(("arrived", "expected"), [(True, "sent"), (False, "queued")])
def test_resolve_an_uncertain_message(api, request_email, arrived, expected):
    message = services.outbound_compose(email=request_email, purpose="x", body_text="x")
    assert api.post(f"/api/outbox/{message.pk}/resolve/", {"arrived": True}).status_code == 409
    OutboundMessage.objects.filter(pk=message.pk).update(status="uncertain")
    assert api.post(f"/api/outbox/{message.pk}/resolve/", {}).status_code == 400
    response = api.post(f"/api/outbox/{message.pk}/resolve/", {"arrived": arrived})
    assert response.status_code == 200 and response.json()["status"] == expected


def test_deciding_needs_the_change_permission(db, request_email):
    viewer = get_user_model().objects.create_user("leitor", password="x", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(content_type__app_label="sender", codename="view_outboundmessage")
    )
    client = APIClient()
    client.force_authenticate(viewer)
    message = services.outbound_compose(email=request_email, purpose="x", body_text="x")
    assert client.get(f"/api/outbox/{message.pk}/").status_code == 200
    assert client.post(f"/api/outbox/{message.pk}/discard/").status_code == 403
    assert client.post(f"/api/outbox/{message.pk}/resolve/", {"arrived": True}).status_code == 403
    message.refresh_from_db()
    assert message.status == "draft"
