"""Who asked and who the account is for, what a person must check, and what that holds back."""

import pytest

from acesso import services
from acesso.models import AccessRequest
from emails import services as email_services
from pipeline import steps
from testing.mail import make_raw

pytestmark = pytest.mark.django_db

ADVISOR = "Roberto Calmon Vieira <roberto.vieira@ifes.edu.br>"
FOR_NAMED_STUDENT = (
    "Bom dia,\n\nPeço uma conta nos computadores do laboratório para a minha orientanda, "
    "Helena Duarte Prates, endereço helena.prates@aluno.ifes.edu.br.\n\nAtt.,\nRoberto\n"
)


def _open(body: str, from_: str = ADVISOR) -> AccessRequest:
    email, _ = email_services.email_ingest(
        raw=make_raw(subject="Acesso ao laboratório", body=body, from_=from_)
    )
    email_services.email_set_kind(email=email, kind="acesso", confidence=0.97)
    steps.run_pending()
    return AccessRequest.objects.get(email=email)


def test_an_advisor_asking_for_a_named_student(settings):
    settings.MAILFLOW_COORDINATOR_EMAIL = "coordenacao.ppcomp@ifes.edu.br"
    request = _open(FOR_NAMED_STUDENT)
    assert (request.student_name, request.student_email, request.login) == (
        "Helena Duarte Prates",
        "helena.prates@aluno.ifes.edu.br",
        "helena.prates",
    )
    assert (request.requester_name, request.requester_email) == (
        "Roberto Calmon Vieira",
        "roberto.vieira@ifes.edu.br",
    )
    assert request.checks == {"student_name": "prose_named"}
    span = request.provenance["student_name"]
    assert request.email.body_text[span["start"] : span["end"]] == "Helena Duarte Prates"
    note = request.status_changes.get().note
    assert "uma frase que nomeia o aluno" in note and "verificar" in note
    assert "prose_named" not in note and "named" not in note


def test_a_value_to_check_holds_back_automatic_approval(settings):
    settings.MAILFLOW_ACCESS_APPROVAL = "automatic"
    request = _open(FOR_NAMED_STUDENT)
    services.access_advance(request=request)
    request.refresh_from_db()
    assert request.status == "awaiting_approval"
    # a person corrects (so checks) the name: nothing is left to check
    services.access_identity_update(
        request=request, changes={"student_name": "Helena D. Prates"}, actor=None
    )
    request.refresh_from_db()
    assert request.checks == {}
    assert request.provenance["student_name"]["rule"] == "staff"


def test_a_student_without_an_address_cannot_be_authorised(settings):
    request = _open(
        "Meu aluno de mestrado Tiago Rocha Neves precisa de acesso às máquinas do lab.\n"
    )
    assert (request.student_name, request.student_email) == ("Tiago Rocha Neves", "")
    assert request.checks["student_email"] == "no_address"
    with pytest.raises(services.AccessError, match="e-mail do aluno está vazio"):
        services.access_approve(request=request, actor=None, actor_label="test")
    request.refresh_from_db()
    assert request.status == "awaiting_approval"


def test_a_student_writing_for_themself_has_nothing_to_check():
    request = _open(
        "Olá, preciso de acesso aos computadores do laboratório.\n\nAtenciosamente,\nMaria Souza",
        from_="Maria Souza <maria.souza@aluno.ifes.edu.br>",
    )
    assert (request.student_name, request.requester_name) == ("Maria Souza", "Maria Souza")
    assert request.checks == {}


def test_a_person_checks_every_mark_at_once(admin_user):
    request = _open(FOR_NAMED_STUDENT)
    services.access_checked(request=request, actor=admin_user)
    assert request.checks == {}
    request.refresh_from_db()
    assert request.checks == {}
    note = request.status_changes.order_by("-id").first()
    assert note.actor == admin_user
    assert note.note == "valores a verificar conferidos: aluno(a)"
    # nothing left: a second look writes nothing
    services.access_checked(request=request, actor=admin_user)
    assert request.status_changes.count() == 2
