"""An email that asks for two defences gets two requests, one each: each reads only its
own defence, each asks the professor for its own missing data, an answer goes to the
request whose message it replies to, and the email is done when both are."""

import pytest

from defesa import services
from defesa.models import DefenseRequest
from defesa.tests.factories import defense_email
from emails import services as email_services
from emails.models import Email
from pipeline import steps
from sender.models import OutboundMessage
from testing.mail import make_raw

pytestmark = pytest.mark.django_db

D = DefenseRequest.Status

TWO = """Prezada secretaria,

Seguem as duas defesas dos meus orientandos.

DEFESA 1
Aluno: Renata Sessa Falqueto
Título: Previsão de cheias com redes recorrentes
Data: 15/10/2025
Horário: 14h
Sala: 207
Orientador Principal: Prof. Dr. João D'Ávila
Membro Interno: Profa. Dra. Ana Lima
Membro Externo: Prof. Dr. Carlos Pereira (UFES)

DEFESA 2
Aluno: Tiago Bremenkamp Rosa
Título: Detecção de fraudes em boletos com grafos
Data: 17/10/2025
Horário:
Sala: 205
Orientador Principal: Prof. Dr. João D'Ávila
Membro Interno: Prof. Dr. Hugo Tesch (Ifes)
Membro Externo:

Att.,
João D'Ávila
"""


def _open_both() -> tuple[Email, DefenseRequest, DefenseRequest]:
    email = defense_email(TWO)
    steps.run_pending()
    first, second = DefenseRequest.objects.filter(email=email).order_by("part")
    email.refresh_from_db()
    return email, first, second


def test_each_defence_of_the_email_gets_its_own_request():
    email, first, second = _open_both()
    assert (first.part, second.part) == (0, 1)
    assert (first.student, first.title) == (
        "Renata Sessa Falqueto",
        "Previsão de cheias com redes recorrentes",
    )
    assert (second.student, second.title) == (
        "Tiago Bremenkamp Rosa",
        "Detecção de fraudes em boletos com grafos",
    )
    assert [m.name for m in second.members.order_by("order")] == ["João D'Ávila", "Hugo Tesch"]
    # nothing of one is mixed into the other
    assert first.status == D.AWAITING_REVIEW and not first.missing_fields
    assert second.status == D.AWAITING_DATA
    assert set(second.missing_fields) == {"time", "external"}
    assert "Renata Sessa Falqueto" in second.problems[0]
    assert "Tiago Bremenkamp Rosa" in first.problems[0]
    assert email.status == Email.Status.PROCESSING
    # only the incomplete one asks the professor for data
    forms = OutboundMessage.objects.filter(purpose="form_request")
    assert [f.case_key for f in forms] == [f"defense:{second.pk}"]
    # opening again opens nothing more
    assert services.defense_open(email.pk) is None
    assert DefenseRequest.objects.filter(email=email).count() == 2


def _reply(email: Email, body: str, in_reply_to: str) -> Email:
    reply, _ = email_services.email_ingest(
        raw=make_raw(
            subject="Re: Defesas",
            from_="João D'Ávila <joao.davila@ifes.edu.br>",
            body=body,
            headers={"In-Reply-To": f"<{in_reply_to}>"} if in_reply_to else None,
        )
    )
    steps.run_pending()
    reply.refresh_from_db()
    return reply


def test_the_answer_goes_to_the_request_whose_form_it_answers():
    email, first, second = _open_both()
    form = OutboundMessage.objects.get(purpose="form_request")
    _reply(email, "Horário: 10h\nMembro Externo: Profa. Dra. Rita Lemos (UFRJ)\n", form.message_id)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.time.hour == 10 and second.status == D.AWAITING_REVIEW
    assert [m.name for m in second.members.order_by("order")][-1] == "Rita Lemos"
    assert first.time.hour == 14  # untouched


def test_an_answer_that_does_not_say_which_defence_waits_for_a_person():
    email = defense_email(TWO.replace("Horário: 14h", "Horário:"))
    steps.run_pending()
    first, second = DefenseRequest.objects.filter(email=email).order_by("part")
    forms = list(OutboundMessage.objects.filter(purpose="form_request").order_by("id"))
    assert [f.case_key for f in forms] == [f"defense:{first.pk}", f"defense:{second.pk}"]
    # the answer to the second form names both in its References: it is the second's
    _reply(email, "Horário: 10h\n", forms[1].message_id)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.time is None and second.time.hour == 10
    # a reply to the professor's own email whose References name both forms: which
    # defence it completes is not said
    reply, _ = email_services.email_ingest(
        raw=make_raw(
            subject="Re: Defesas",
            from_="João D'Ávila <joao.davila@ifes.edu.br>",
            body="Horário: 11h\n",
            headers={
                "In-Reply-To": f"<{email.message_id}>",
                "References": f"<{forms[0].message_id}> <{forms[1].message_id}>",
            },
        )
    )
    steps.run_pending()
    reply.refresh_from_db()
    assert reply.case_id == email.pk
    assert reply.status == Email.Status.NEEDS_REVIEW
    note = reply.status_changes.order_by("-id").first().note
    assert f"#{first.pk}" in note and f"#{second.pk}" in note
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.time is None and second.time.hour == 10


def test_the_email_is_done_when_every_defence_of_it_is(secretary):
    email, first, second = _open_both()
    services.defense_reject(defense=first, actor=secretary, reason="Banca incompleta.")
    email.refresh_from_db()
    assert email.status == Email.Status.PROCESSING  # the other defence is still on its way
    services.defense_reject(defense=second, actor=secretary, reason="Data em conflito.")
    email.refresh_from_db()
    assert email.status == Email.Status.DONE


def test_the_same_student_twice_is_one_defence():
    email = defense_email(TWO.replace("Tiago Bremenkamp Rosa", "Renata Sessa Falqueto"))
    steps.run_pending()
    assert DefenseRequest.objects.filter(email=email).count() == 1
    defense = DefenseRequest.objects.get(email=email)
    assert not any("defesas" in p for p in defense.problems)  # one request: no "others"


def test_the_api_says_which_defence_of_the_email_each_request_is(secretary):
    from rest_framework.test import APIClient

    email, _first, second = _open_both()
    client = APIClient()
    client.force_authenticate(secretary)
    body = client.get(f"/api/defenses/{second.pk}/").json()
    assert (body["email"], body["part"], body["student"]) == (
        email.pk,
        1,
        "Tiago Bremenkamp Rosa",
    )
