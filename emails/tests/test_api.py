import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from emails import services
from emails.models import Email
from testing.mail import make_raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    """A staff user who reads, stores and classifies emails through the API."""
    user = get_user_model().objects.create_user("sec", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="emails",
            codename__in=["view_email", "add_email", "change_email", "view_attachment"],
        )
    )
    return user


@pytest.fixture
def api(staff):
    client = APIClient()
    token = Token.objects.create(user=staff)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_anonymous_gets_401():
    response = APIClient().get("/api/emails/")
    assert response.status_code == 401
    assert "Token" in response["WWW-Authenticate"]


def test_non_staff_gets_403(db):
    user = get_user_model().objects.create_user("student", password="x")
    client = APIClient()
    client.force_authenticate(user)
    assert client.get("/api/emails/").status_code == 403


def test_session_auth_works_for_staff(client, staff):
    client.force_login(staff)
    assert client.get("/api/emails/").status_code == 200


def test_list_fields_and_filters(api):
    services.email_ingest(raw=make_raw(subject="Acesso lab", from_="Ana <ana@x.br>"))
    fwd = make_raw(
        subject="Fwd: Defesa",
        body=(
            "---------- Forwarded message ---------\nFrom: Prof. Carlos <carlos@ifes.edu.br>\n"
            "Date: Mon, Mar 3, 2025 at 10:12 AM\nSubject: Defesa\nTo: <sec@ifes.edu.br>\n\n"
            "Dados da banca"
        ),
    )
    forwarded, _ = services.email_ingest(raw=fwd)
    auto, _ = services.email_ingest(
        raw=make_raw(subject="Ausente", headers={"Auto-Submitted": "auto-replied"})
    )
    services.email_set_kind(email=auto, kind="outro", confidence=0.4)

    body = api.get("/api/emails/").json()
    assert body["count"] == 3
    item = body["results"][0]
    assert set(item) >= {
        "id",
        "mailbox",
        "message_id",
        "subject",
        "from_name",
        "from_address",
        "date",
        "received_at",
        "forwarded",
        "original_from_name",
        "original_from_address",
        "original_subject",
        "auto_generated",
        "kind",
        "kind_confidence",
        "status",
        "error",
        "attachments",
    }
    assert [e["id"] for e in api.get("/api/emails/?forwarded=true").json()["results"]] == [
        forwarded.pk
    ]
    result = api.get("/api/emails/?forwarded=true").json()["results"][0]
    assert result["original_from_address"] == "carlos@ifes.edu.br"
    assert [e["id"] for e in api.get("/api/emails/?auto_generated=true").json()["results"]] == [
        auto.pk
    ]
    assert api.get("/api/emails/?kind=outro").json()["count"] == 1
    assert api.get("/api/emails/?status=received").json()["count"] == 3
    assert api.get("/api/emails/?mailbox=manual").json()["count"] == 3
    assert api.get("/api/emails/?mailbox=nope").json()["count"] == 0
    assert api.get("/api/emails/?search=banca").json()["count"] == 1
    assert api.get("/api/emails/?date_after=2025-03-01T00:00:00Z").json()["count"] == 3
    assert api.get("/api/emails/?date_before=2025-03-01T00:00:00Z").json()["count"] == 0
    assert api.get("/api/emails/?status=bogus").status_code == 400


def test_limit_is_capped(api):
    for i in range(3):
        services.email_ingest(raw=make_raw(subject=f"n{i}"))
    body = api.get("/api/emails/?limit=2").json()
    assert len(body["results"]) == 2 and body["next"]
    assert len(api.get("/api/emails/?limit=5000").json()["results"]) == 3


def test_upload_multipart_then_duplicate(api):
    raw = make_raw(subject="Upload", attachments=[("Ata – João.pdf", "application/pdf", b"PDF")])
    response = api.post(
        "/api/emails/", {"file": SimpleUploadedFile("m.eml", raw)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["subject"] == "Upload" and data["status"] == "received"
    att = data["attachments"][0]
    assert att["name"] == "Ata – João.pdf" and att["size"] == 3
    download = api.get(att["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"PDF"
    again = api.post("/api/emails/", {"file": SimpleUploadedFile("m.eml", raw)}, format="multipart")
    assert again.status_code == 200 and again.json()["id"] == data["id"]


def test_upload_raw_body(api):
    raw = make_raw(subject="Cru")
    response = api.generic("POST", "/api/emails/", raw, content_type="message/rfc822")
    assert response.status_code == 201, response.content
    assert response.json()["subject"] == "Cru"
    email = Email.objects.get(pk=response.json()["id"])
    assert bytes(email.raw) == raw


def test_upload_errors_say_what_is_wrong(api):
    response = api.post("/api/emails/", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()
    empty = api.post("/api/emails/", {"file": SimpleUploadedFile("m.eml", b"")}, format="multipart")
    assert empty.status_code == 400


def test_patch_kind(api):
    email, _ = services.email_ingest(raw=make_raw())
    response = api.patch(
        f"/api/emails/{email.pk}/", {"kind": "acesso", "kind_confidence": 0.8}, format="json"
    )
    assert response.status_code == 200, response.content
    email.refresh_from_db()
    assert (email.kind, email.kind_confidence) == ("acesso", 0.8)
    bad = api.patch(f"/api/emails/{email.pk}/", {"kind": "spam"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()
    bad_conf = api.patch(
        f"/api/emails/{email.pk}/", {"kind": "outro", "kind_confidence": 2}, format="json"
    )
    assert bad_conf.status_code == 400 and "kind_confidence" in bad_conf.json()
    other_field = api.patch(
        f"/api/emails/{email.pk}/", {"kind": "outro", "subject": "x"}, format="json"
    )
    assert other_field.status_code == 400 and "subject" in other_field.json()
    assert api.put(f"/api/emails/{email.pk}/", {"kind": "outro"}, format="json").status_code == 405


def test_detail_and_raw(api):
    raw = make_raw(subject="Detalhe")
    email, _ = services.email_ingest(raw=raw)
    detail = api.get(f"/api/emails/{email.pk}/").json()
    assert detail["subject"] == "Detalhe" and "body_text" in detail
    response = api.get(f"/api/emails/{email.pk}/raw/")
    assert response.status_code == 200 and response.content == raw
    assert response["Content-Type"] == "message/rfc822"
    assert api.get("/api/emails/999999/").status_code == 404


def test_schema_and_docs_are_local(api, client, staff):
    assert api.get("/api/schema/").status_code == 200
    client.force_login(staff)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
