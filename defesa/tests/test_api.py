import pytest
from rest_framework.test import APIClient

from defesa.models import DefenseRequest
from defesa.tests.factories import COMPLETE, INCOMPLETE, defense_email
from defesa.tests.test_services import docx_text
from pipeline import steps
from sender.models import OutboundMessage

pytestmark = pytest.mark.django_db


def _open(body=COMPLETE) -> DefenseRequest:
    email = defense_email(body)
    steps.run_pending()
    return DefenseRequest.objects.get(email=email)


@pytest.fixture
def api(secretary):
    client = APIClient()
    client.force_authenticate(secretary)
    return client


def test_the_api_needs_a_staff_login():
    assert APIClient().get("/api/defenses/").status_code in (401, 403)


def test_detail_has_the_documented_fields(api):
    defense = _open()
    body = api.get(f"/api/defenses/{defense.pk}/").json()
    documents = body.pop("documents")
    provenance, checks = body.pop("provenance"), body.pop("checks")
    assert checks == {}
    student = provenance["student"]
    assert defense.email.body_text[student["start"] : student["end"]] == "Maria Souza"
    assert (student["rule"], student["rule_label"]) == ("label", "um campo rotulado")
    assert (student["check"], student["check_label"]) == ("", "")
    assert body == {
        "id": defense.pk,
        "email": defense.email_id,
        "part": 0,
        "status": "awaiting_review",
        "student": "Maria Souza",
        "title": "Detecção de anomalias em redes com aprendizado profundo",
        "date": "2025-10-15",
        "time": "14:00",
        "room": "207",
        "link": "",
        "advisor": "João D'Ávila",
        "coadvisor": None,
        "internal_members": ["Ana Lima"],
        "external_members": [{"name": "Carlos Pereira", "institution": "UFES"}],
        "missing_fields": [],
    }
    assert len(documents) == 6
    first = documents[0]
    assert first["name"].endswith(".docx")
    download = api.get(first["url"])
    assert download.status_code == 200
    assert "Maria Souza" in docx_text(b"".join(download.streaming_content))
    listing = api.get("/api/defenses/?status=awaiting_review").json()
    assert [d["id"] for d in listing["results"]] == [defense.pk]


def test_patch_completes_a_request(api):
    defense = _open(INCOMPLETE)
    response = api.patch(
        f"/api/defenses/{defense.pk}/",
        {
            "time": "09:30",
            "external_members": [{"name": "Paula Reis", "institution": "UFRJ"}],
            "coadvisor": "Prof. Dr. Rui Costa",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "awaiting_review"
    assert body["time"] == "09:30"
    assert body["coadvisor"] == "Rui Costa"
    assert body["external_members"] == [{"name": "Paula Reis", "institution": "UFRJ"}]
    assert len(body["documents"]) == 7  # with the co-advisor's declaration


def test_patch_refuses_bad_input_with_the_reason(api):
    defense = _open()
    response = api.patch(f"/api/defenses/{defense.pk}/", {"date": "32/13/2025"}, format="json")
    assert response.status_code == 400 and "date" in response.json()
    response = api.patch(f"/api/defenses/{defense.pk}/", {"status": "sent"}, format="json")
    assert response.status_code == 400 and "status" in response.json()["detail"]


def test_approve_and_reject_answer_409_when_not_allowed(api):
    incomplete = _open(INCOMPLETE)
    response = api.post(f"/api/defenses/{incomplete.pk}/approve/")
    assert response.status_code == 409 and "revisão" in response.json()["detail"]
    assert api.post(f"/api/defenses/{incomplete.pk}/reject/", {}).status_code == 400
    defense = _open(COMPLETE.replace("Maria Souza", "Pedro Alves"))
    response = api.post(f"/api/defenses/{defense.pk}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert OutboundMessage.objects.filter(purpose="chamado").count() == 1
    assert api.post(f"/api/defenses/{defense.pk}/approve/").status_code == 409
    response = api.patch(f"/api/defenses/{defense.pk}/", {"room": "208"}, format="json")
    assert response.status_code == 409
    response = api.post(f"/api/defenses/{incomplete.pk}/reject/", {"reason": "Duplicada."})
    assert response.status_code == 200 and response.json()["status"] == "rejected"


def test_approving_needs_the_review_permission(editor):
    defense = _open()
    client = APIClient()
    client.force_authenticate(editor)
    assert client.post(f"/api/defenses/{defense.pk}/approve/").status_code == 403


def test_replacing_members_needs_the_committee_permissions(editor):
    """As the admin's committee inline: an editor who may change members but not add or
    remove them corrects the room, not the committee."""
    defense = _open()
    client = APIClient()
    client.force_authenticate(editor)
    response = client.patch(f"/api/defenses/{defense.pk}/", {"room": "208"}, format="json")
    assert response.status_code == 200 and response.json()["room"] == "208"
    response = client.patch(
        f"/api/defenses/{defense.pk}/", {"internal_members": ["Rui Costa"]}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "É preciso a permissão defesa.add_committeemember, defesa.delete_committeemember."
    }
    assert list(defense.members.filter(role="internal").values_list("name", flat=True)) == [
        "Ana Lima"
    ]


def test_approve_after_a_patch_sends_the_new_documents(api):
    defense = _open()
    response = api.patch(f"/api/defenses/{defense.pk}/", {"room": "208"}, format="json")
    assert response.status_code == 200
    response = api.post(f"/api/defenses/{defense.pk}/approve/")
    assert response.status_code == 200, response.content
    reply = OutboundMessage.objects.get(purpose="documents")
    assert any("208" in docx_text(a.file.read()) for a in reply.attachments.all()), [
        a.filename for a in reply.attachments.all()
    ]


PROSE = (
    "Peço o agendamento da defesa da minha orientanda Maria Souza. A dissertação, intitulada "
    "Detecção de anomalias em redes, será defendida no dia 15 de outubro de 2025, às 14 "
    "horas, na sala 207. A banca contará comigo na presidência, com a colega Ana Lima Reis, "
    "do programa, e com o professor Carlos Pereira Dias, da UFES."
)


def test_detail_says_where_each_value_was_read_and_what_to_check(api):
    defense = _open(PROSE)
    body = api.get(f"/api/defenses/{defense.pk}/").json()
    text = defense.email.body_text
    title = body["provenance"]["title"]
    assert text[title["start"] : title["end"]] == "Detecção de anomalias em redes"
    assert title == {
        "start": title["start"],
        "end": title["end"],
        "rule": "prose",
        "rule_label": "uma frase",
        "check": "prose",
        "check_label": "lido de uma frase, não de um campo rotulado",
    }
    member = body["provenance"]["member:1"]
    assert text[member["start"] : member["end"]] == "Ana Lima Reis"
    assert body["checks"]["member:1"] == {
        "check": "role_from_context",
        "check_label": "o papel foi deduzido do contexto",
    }
    # every value of this email was read from sentences (by either reader)
    assert set(body["checks"]) == {
        "student",
        "title",
        "date",
        "time",
        "room",
        "member:0",
        "member:1",
        "member:2",
    }
    listing = api.get("/api/defenses/").json()["results"]
    assert listing[0]["checks"]["title"]["check"] == "prose"


def test_provenance_and_checks_are_read_only(api):
    defense = _open(PROSE)
    for field in ("checks", "provenance"):
        response = api.patch(f"/api/defenses/{defense.pk}/", {field: {}}, format="json")
        assert response.status_code == 400 and field in response.json()["detail"]
    defense.refresh_from_db()
    assert defense.checks and defense.provenance
