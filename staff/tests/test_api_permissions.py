"""The API asks for the same permissions as the admin: what each role may read and do
through /api/, endpoint by endpoint."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from acesso.models import AccessRequest, LabHost
from defesa.models import DefenseRequest
from defesa.tests.factories import COMPLETE, defense_email
from emails import services as email_services
from emails.models import Email
from mailflow.api import router
from mailflow.permissions import ModelPermissions
from pipeline import steps
from sender import services as outbox_services
from sender.models import OutboundMessage
from testing.mail import make_raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    """One of each thing the API shows: an email with an attachment, a defence awaiting
    review (with its documents), an outbox draft, a lab access request and a lab host."""
    defense_from = defense_email(COMPLETE)
    email, _created = email_services.email_ingest(
        raw=make_raw(subject="Ata", attachments=[("ata.pdf", "application/pdf", b"PDF")])
    )
    steps.run_pending()
    defense = DefenseRequest.objects.get(email=defense_from)
    assert defense.status == DefenseRequest.Status.AWAITING_REVIEW
    draft = outbox_services.outbound_compose(
        email=email, purpose="credentials", body_text="Olá.", to="maria@aluno.ifes.edu.br"
    )
    assert draft.status == OutboundMessage.Status.DRAFT
    host = LabHost.objects.create(name="lab-01", address="192.0.2.10", dry_run=True)
    access = AccessRequest.objects.create(
        student_name="Maria Souza", student_email="maria@aluno.ifes.edu.br", login="maria.souza"
    )
    return SimpleNamespace(
        email=email,
        attachment=email.attachments.get(),
        defense=defense,
        document=defense.documents.first(),
        draft=draft,
        host=host,
        access=access,
    )


def _reads(w) -> dict[str, str]:
    """Each GET endpoint and the permissions it needs, as the 403 names them."""
    return {
        "/api/emails/": "emails.view_email",
        f"/api/emails/{w.email.pk}/": "emails.view_email",
        f"/api/emails/{w.email.pk}/raw/": "emails.view_attachment, emails.view_email",
        f"/api/emails/{w.email.pk}/attachments/{w.attachment.pk}/": (
            "emails.view_attachment, emails.view_email"
        ),
        "/api/outbox/": "sender.view_outboundmessage",
        f"/api/outbox/{w.draft.pk}/": "sender.view_outboundmessage",
        "/api/defenses/": "defesa.view_defenserequest",
        f"/api/defenses/{w.defense.pk}/": "defesa.view_defenserequest",
        f"/api/defenses/{w.defense.pk}/documents/{w.document.pk}/": (
            "defesa.view_defenserequest, defesa.view_generateddocument"
        ),
        "/api/access-requests/": "acesso.view_accessrequest",
        f"/api/access-requests/{w.access.pk}/": "acesso.view_accessrequest",
        "/api/lab-hosts/": "acesso.view_labhost",
        f"/api/lab-hosts/{w.host.pk}/": "acesso.view_labhost",
    }


def _api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def no_group(db):
    return get_user_model().objects.create_user("estagiario", password="x", is_staff=True)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", password="x")


def test_anonymous_gets_401_everywhere(world):
    api = _api(None)
    for url in [*_reads(world), "/api/", "/api/categorizer/models/", "/api/schema/"]:
        response = api.get(url)
        assert response.status_code == 401, url
    assert api.post(f"/api/outbox/{world.draft.pk}/approve/").status_code == 401


def test_a_user_who_is_not_staff_gets_403_even_with_permissions(world, secretaria):
    secretaria.is_staff = False
    secretaria.save()
    api = _api(secretaria)
    assert api.get("/api/emails/").status_code == 403
    assert api.get("/api/").status_code == 403
    assert api.post(f"/api/outbox/{world.draft.pk}/approve/").status_code == 403


def test_staff_in_no_group_reads_nothing_and_is_told_what_is_missing(world, no_group):
    api = _api(no_group)
    for url, permission in _reads(world).items():
        response = api.get(url)
        assert response.status_code == 403, url
        assert response.json() == {"detail": f"É preciso a permissão {permission}."}, url
    assert api.get("/api/categorizer/models/").status_code == 403
    assert api.options("/api/emails/").status_code == 403
    response = api.patch(f"/api/emails/{world.email.pk}/", {"kind": "outro"}, format="json")
    assert response.status_code == 403
    world.email.refresh_from_db()
    assert world.email.kind != "outro"


def test_staff_in_no_group_still_has_the_api_root_schema_and_docs(no_group):
    api = _api(no_group)
    assert api.get("/api/").status_code == 200
    assert api.get("/api/schema/").status_code == 200
    assert api.get("/api/docs/").status_code == 200


@pytest.mark.parametrize("role", ["secretaria", "coordenacao"])
def test_both_roles_read_everything_they_see_in_the_admin(world, role, request):
    api = _api(request.getfixturevalue(role))
    for url in _reads(world):
        assert api.get(url).status_code == 200, url
    assert api.head("/api/emails/").status_code == 200
    assert api.options("/api/emails/").status_code == 200
    # Neither role has the classifier's pages in the admin.
    assert api.get("/api/categorizer/models/").status_code == 403


def test_coordenacao_reads_but_does_not_change_what_is_the_secretariats(world, coordenacao):
    api = _api(coordenacao)
    w = world

    response = api.post(f"/api/outbox/{w.draft.pk}/approve/")
    assert response.status_code == 403
    assert response.json() == {"detail": "É preciso a permissão sender.change_outboundmessage."}
    assert api.post(f"/api/outbox/{w.draft.pk}/retry/").status_code == 403
    w.draft.refresh_from_db()
    assert w.draft.status == OutboundMessage.Status.DRAFT

    response = api.patch(f"/api/defenses/{w.defense.pk}/", {"room": "999"}, format="json")
    assert response.status_code == 403
    assert api.post(f"/api/defenses/{w.defense.pk}/approve/").status_code == 403
    assert api.post(f"/api/defenses/{w.defense.pk}/reject/", {"reason": "x"}).status_code == 403
    w.defense.refresh_from_db()
    assert w.defense.room != "999"
    assert w.defense.status == DefenseRequest.Status.AWAITING_REVIEW

    w.email.refresh_from_db()
    kind = w.email.kind
    new_kind = "outro" if kind != "outro" else "acesso"
    response = api.patch(f"/api/emails/{w.email.pk}/", {"kind": new_kind}, format="json")
    assert response.status_code == 403
    upload = SimpleUploadedFile("m.eml", make_raw(subject="Novo"), "message/rfc822")
    assert api.post("/api/emails/", {"file": upload}, format="multipart").status_code == 403
    w.email.refresh_from_db()
    assert w.email.kind == kind
    assert not Email.objects.filter(subject="Novo").exists()


def test_coordenacao_decides_lab_access_and_retries(world, coordenacao):
    api = _api(coordenacao)
    # retry is allowed (change): it answers 409 only because nothing failed.
    assert api.post(f"/api/access-requests/{world.access.pk}/retry/").status_code == 409
    response = api.post(f"/api/access-requests/{world.access.pk}/deny/", {"reason": "Sem vagas."})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "denied"


def test_secretaria_does_what_her_admin_permissions_allow(world, secretaria):
    api = _api(secretaria)
    w = world

    response = api.patch(f"/api/emails/{w.email.pk}/", {"kind": "outro"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["kind"] == "outro"

    response = api.patch(
        f"/api/defenses/{w.defense.pk}/",
        {"room": "208", "internal_members": ["Ana Lima", "Rui Costa"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["internal_members"] == ["Ana Lima", "Rui Costa"]
    response = api.post(f"/api/defenses/{w.defense.pk}/approve/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"

    response = api.post(f"/api/outbox/{w.draft.pk}/approve/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "queued"
    # retry is allowed (change): 409 only because the message did not fail.
    assert api.post(f"/api/outbox/{w.draft.pk}/retry/").status_code == 409

    # The decision on lab access is the coordinator's; retrying is the secretariat's too.
    response = api.post(f"/api/access-requests/{w.access.pk}/approve/")
    assert response.status_code == 403
    assert response.json() == {"detail": "É preciso a permissão acesso.decide_accessrequest."}
    assert api.post(f"/api/access-requests/{w.access.pk}/deny/", {"reason": "x"}).status_code == 403
    assert api.post(f"/api/access-requests/{w.access.pk}/retry/").status_code == 409
    w.access.refresh_from_db()
    assert w.access.status == AccessRequest.Status.AWAITING_APPROVAL

    # Storing a message is not a secretariat's permission (the admin cannot add emails).
    upload = SimpleUploadedFile("m.eml", make_raw(subject="Novo"), "message/rfc822")
    response = api.post("/api/emails/", {"file": upload}, format="multipart")
    assert response.status_code == 403
    assert response.json() == {"detail": "É preciso a permissão emails.add_email."}


def test_superuser_does_everything(world, superuser):
    api = _api(superuser)
    w = world
    for url in [*_reads(w), "/api/categorizer/models/"]:
        assert api.get(url).status_code == 200, url
    upload = SimpleUploadedFile("m.eml", make_raw(subject="Novo"), "message/rfc822")
    assert api.post("/api/emails/", {"file": upload}, format="multipart").status_code == 201
    response = api.patch(f"/api/emails/{w.email.pk}/", {"kind": "outro"}, format="json")
    assert response.status_code == 200
    assert api.post(f"/api/outbox/{w.draft.pk}/approve/").status_code == 200
    response = api.post(f"/api/defenses/{w.defense.pk}/reject/", {"reason": "Duplicada."})
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    response = api.post(f"/api/access-requests/{w.access.pk}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "credentials_queued"


def test_every_custom_action_declares_its_permissions():
    for _prefix, viewset, _basename in router.registry:
        declared = getattr(viewset, "action_permissions", {})
        for extra in viewset.get_extra_actions():
            assert extra.__name__ in declared, f"{viewset.__name__}.{extra.__name__}"


def test_an_action_that_declares_nothing_is_refused(superuser):
    view = SimpleNamespace(action="purge", action_permissions={})
    request = SimpleNamespace(user=superuser, method="POST")
    permission = ModelPermissions()
    assert permission.has_permission(request, view) is False
    assert permission.message == "Esta ação não diz de que permissão precisa."
