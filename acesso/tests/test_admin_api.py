import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.test import APIClient

from acesso.models import AccessRequest, LabHost
from sender.models import OutboundMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def trial_lab(db):
    LabHost.objects.create(name="lab-01", address="192.0.2.10", dry_run=True)
    LabHost.objects.create(name="lab-02", address="192.0.2.11", dry_run=True)


def _request():
    return AccessRequest.objects.create(
        student_name="Maria Souza", student_email="maria@aluno.ifes.edu.br", login="maria.souza"
    )


def _user(name, decide=False):
    user = get_user_model().objects.create_user(name, password="x", is_staff=True)
    perms = ["view_accessrequest", "change_accessrequest", "view_labhost"]
    if decide:
        perms.append("decide_accessrequest")
    user.user_permissions.set(Permission.objects.filter(codename__in=perms))
    return user


def test_secretary_cannot_decide_coordinator_can(trial_lab, client):
    access = _request()
    client.force_login(_user("secretaria"))
    page = client.get(reverse("admin:acesso_accessrequest_changelist")).content.decode()
    assert 'value="approve"' not in page
    client.post(
        reverse("admin:acesso_accessrequest_changelist"),
        {"action": "approve", "_selected_action": [access.pk]},
    )
    access.refresh_from_db()
    assert access.status == "awaiting_approval"

    client.force_login(_user("coordenacao", decide=True))
    page = client.get(reverse("admin:acesso_accessrequest_changelist")).content.decode()
    assert 'value="approve"' in page
    client.post(
        reverse("admin:acesso_accessrequest_changelist"),
        {"action": "approve", "_selected_action": [access.pk]},
    )
    access.refresh_from_db()
    assert access.status == "credentials_queued"
    assert OutboundMessage.objects.filter(purpose="credentials").count() == 1


def test_deny_asks_for_a_reason(trial_lab, client):
    access = _request()
    client.force_login(_user("coordenacao", decide=True))
    url = reverse("admin:acesso_accessrequest_changelist")
    form = client.post(url, {"action": "deny", "_selected_action": [access.pk]})
    assert "Motivo" in form.content.decode() or "reason" in form.content.decode()
    access.refresh_from_db()
    assert access.status == "awaiting_approval"
    client.post(
        url,
        {
            "action": "deny",
            "_selected_action": [access.pk],
            "reason": "Vagas esgotadas neste semestre.",
        },
    )
    access.refresh_from_db()
    assert access.status == "denied" and access.denial_reason == "Vagas esgotadas neste semestre."


def test_api_lists_results_per_host_and_gates_decisions(trial_lab):
    access = _request()
    api = APIClient()
    api.force_authenticate(_user("secretaria"))
    assert api.post(f"/api/access-requests/{access.pk}/approve/").status_code == 403
    api.force_authenticate(_user("coordenacao", decide=True))
    response = api.post(f"/api/access-requests/{access.pk}/approve/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "credentials_queued" and body["login"] == "maria.souza"
    assert body["hosts"] == [
        {"host": "lab-01", "status": "created", "error": "", "attempt": 1},
        {"host": "lab-02", "status": "created", "error": "", "attempt": 1},
    ]
    again = api.post(f"/api/access-requests/{access.pk}/deny/", {"reason": "x"}, format="json")
    assert again.status_code == 409 and again.json()["detail"]
    hosts = api.get("/api/lab-hosts/").json()["results"]
    assert [h["name"] for h in hosts] == ["lab-01", "lab-02"]
    assert APIClient().get("/api/access-requests/").status_code == 401


def request_form(*, student_name: str, student_email: str, login: str) -> dict:
    """What the admin's change form of an access request posts (no inline rows)."""
    return {
        "student_name": student_name,
        "student_email": student_email,
        "login": login,
        "denial_reason": "",
        "account_checks-TOTAL_FORMS": 0,
        "account_checks-INITIAL_FORMS": 0,
        "provisionings-TOTAL_FORMS": 0,
        "provisionings-INITIAL_FORMS": 0,
        "status_changes-TOTAL_FORMS": 0,
        "status_changes-INITIAL_FORMS": 0,
    }


def test_staff_correct_the_student_before_deciding(client):
    access = _request()
    client.force_login(_user("secretaria"))
    url = reverse("admin:acesso_accessrequest_change", args=[access.pk])
    data = request_form(
        student_name="Maria S. Souza", student_email="maria.s@ifes.edu.br", login="x; rm -rf /"
    )
    page = client.post(url, data)
    assert page.status_code == 200  # the form comes back with the error
    assert "começando por uma letra" in page.content.decode()
    data["login"] = "maria.ssouza"
    assert client.post(url, data).status_code == 302
    access.refresh_from_db()
    assert (access.login, access.student_email) == ("maria.ssouza", "maria.s@ifes.edu.br")


def test_the_api_corrects_the_student_before_deciding_and_refuses_after(trial_lab):
    access = _request()
    api = APIClient()
    api.force_authenticate(_user("secretaria"))
    url = f"/api/access-requests/{access.pk}/"
    assert api.patch(url, {"login": "root"}, format="json").status_code == 400
    assert api.patch(url, {"status": "approved"}, format="json").status_code == 400
    answer = api.patch(url, {"student": "Maria S. Souza", "login": "maria.ss"}, format="json")
    assert answer.status_code == 200
    assert (answer.json()["student"], answer.json()["login"]) == ("Maria S. Souza", "maria.ss")
    AccessRequest.objects.filter(pk=access.pk).update(status="provisioning_failed")
    answer = api.patch(url, {"student_email": "outra@gmail.example"}, format="json")
    assert answer.status_code == 403
    assert answer.json()["detail"] == (
        "depois da decisão do coordenador, só um usuário que pode autorizar pode alterar o "
        "nome, o login ou o e-mail do aluno"
    )
    access.refresh_from_db()
    assert access.student_email == "maria@aluno.ifes.edu.br"


def test_the_api_says_who_asked_where_each_value_was_read_and_what_to_check():
    from acesso.tests.test_requester import FOR_NAMED_STUDENT, _open

    access = _open(FOR_NAMED_STUDENT)
    api = APIClient()
    api.force_authenticate(_user("secretaria"))
    body = api.get(f"/api/access-requests/{access.pk}/").json()
    assert (body["requester_name"], body["requester_email"]) == (
        "Roberto Calmon Vieira",
        "roberto.vieira@ifes.edu.br",
    )
    assert (body["student"], body["student_email"]) == (
        "Helena Duarte Prates",
        "helena.prates@aluno.ifes.edu.br",
    )
    name = body["provenance"]["student_name"]
    assert access.email.body_text[name["start"] : name["end"]] == "Helena Duarte Prates"
    assert (name["rule"], name["rule_label"]) == ("named", "uma frase que nomeia o aluno")
    assert body["provenance"]["requester_email"] == {
        "start": None,
        "end": None,
        "rule": "sender",
        "rule_label": "o remetente (cabeçalho De)",
        "check": "",
        "check_label": "",
    }
    assert body["checks"] == {
        "student_name": {
            "check": "prose_named",
            "check_label": "lido de uma frase que nomeia o aluno",
        }
    }
    for field in ("checks", "provenance", "requester_email"):
        response = api.patch(f"/api/access-requests/{access.pk}/", {field: "x"}, format="json")
        assert response.status_code == 400, field
    access.refresh_from_db()
    assert access.checks and access.requester_email == "roberto.vieira@ifes.edu.br"
