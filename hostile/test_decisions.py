"""Hole 3: forgeable approval by email (issue #15, "Decisions by email").

The real path: a student's request is stored by `ingest_eml` and opened by the pipeline's
steps; the authorisation request goes through the outbox to a real SMTP server (aiosmtpd),
and the test reads the Message-ID it really carried; the "coordinator's" answer is a file
of hostile/messages/ (its In-Reply-To and References are the template fields
$IN_REPLY_TO and $REFERENCES, filled here from that Message-ID), stored by `ingest_eml`;
then the pipeline's steps run and decide, or leave it waiting for a person.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from string import Template

import pytest
from django.core.management import call_command
from django.urls import reverse

from acesso.models import AccessRequest, LabHost
from emails import services as email_services
from emails.models import Email
from hostile.generate_decisions import guessed_references
from pipeline import steps
from sender import delivery
from sender import services as outbox
from sender.models import OutboundMessage
from testing.mail import make_raw

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGES = Path(__file__).parent / "messages"
COORDINATOR = "coordenacao.ppcomp@ifes.edu.br"
STUDENT = "maria.souza@aluno.ifes.edu.br"
BODY = (
    "Olá, secretaria!\nPreciso de acesso aos computadores do laboratório.\n\n"
    "Nome completo: Maria Souza\nMatrícula: 20251MPCA0012\n\nAtenciosamente,\nMaria Souza"
)


@pytest.fixture
def asked(settings, smtp_settings, tmp_path):
    """An access request awaiting the coordinator, and the Message-ID (without angle
    brackets) of the authorisation request the SMTP server received."""
    settings.MAILFLOW_COORDINATOR_EMAIL = COORDINATOR
    settings.MAILFLOW_ACCESS_APPROVAL = "coordinator"
    settings.MAILFLOW_AUTHSERV_ID = ""
    for n in (1, 2):
        LabHost.objects.create(name=f"lab-0{n}", address=f"192.0.2.{n}", dry_run=True)
    request_file = tmp_path / "request.eml"
    request_file.write_bytes(
        make_raw(subject="Acesso ao laboratório", body=BODY, from_=f"Maria Souza <{STUDENT}>")
    )
    call_command("ingest_eml", str(request_file))
    email = Email.objects.get()
    email_services.email_set_kind(email=email, kind="acesso", confidence=0.97)
    steps.run_pending()
    request = AccessRequest.objects.get(email=email)
    assert request.status == "awaiting_approval"
    delivery.outbox_send_due()
    sent = [m.message() for m in smtp_settings.messages if m.rcpt_tos == [COORDINATOR]]
    assert len(sent) == 1
    return request, sent[0]["Message-ID"].strip().strip("<>")


def _answer(tmp_path, name: str, *, in_reply_to: str, references: str) -> Email:
    """Store the coordinator's "answer" (a template of hostile/messages/) through
    `ingest_eml`, run the pipeline's steps, and return it."""
    template = Template((MESSAGES / f"decisions-{name}.eml").read_text(encoding="utf-8"))
    path = tmp_path / f"{name}.eml"
    path.write_bytes(template.substitute(IN_REPLY_TO=in_reply_to, REFERENCES=references).encode())
    call_command("ingest_eml", str(path))
    steps.run_pending()
    message_id = re.search(r"^Message-ID: <([^>]+)>", path.read_text(), re.M).group(1)
    return Email.objects.get(message_id=message_id)


def _note(email: Email) -> str:
    return email.status_changes.order_by("-id").first().note


def _waits(request: AccessRequest, reply: Email, why: str) -> None:
    """Nothing decided: the request still awaits the coordinator, no credentials were
    made, and the answer waits in the admin with a note in pt-BR saying why."""
    request.refresh_from_db()
    reply.refresh_from_db()
    assert request.status == "awaiting_approval"
    assert not request.provisionings.exists()
    assert not OutboundMessage.objects.filter(purpose__in=["credentials", "denial"]).exists()
    assert reply.case_id == request.email_id  # it did join the case: only the decision is refused
    assert reply.status == "needs_review"
    note = _note(reply)
    assert note.startswith("não vale como decisão"), note
    assert why in note, note


def _approved(request: AccessRequest, reply: Email) -> None:
    request.refresh_from_db()
    reply.refresh_from_db()
    assert request.status == "credentials_queued"
    assert reply.status == "done"
    assert OutboundMessage.objects.filter(purpose="credentials").exists()


def test_forged_from_with_20000_guessed_references_decides_nothing(asked, tmp_path):
    request, message_id = asked
    reply = _answer(
        tmp_path,
        "forged-references",
        in_reply_to="<chute-0001@ifes.edu.br>",
        references=guessed_references(message_id),
    )
    _waits(request, reply, "não responde diretamente ao pedido de autorização")


@pytest.mark.parametrize("in_reply_to", ["no token", "the student's request"])
def test_the_right_message_id_in_references_alone_decides_nothing(asked, tmp_path, in_reply_to):
    """References names our request, but In-Reply-To names it without its token, or
    names another message of the thread."""
    request, message_id = asked
    nonce = message_id.partition("@")[0].partition(".")[0]
    domain = message_id.partition("@")[2]
    replied = {
        "no token": f"<{nonce}@{domain}>",
        "the student's request": f"<{request.email.message_id}>",
    }[in_reply_to]
    reply = _answer(tmp_path, "no-token", in_reply_to=replied, references=f"<{message_id}>")
    why = {
        "no token": "o código do pedido de autorização na resposta está ausente ou é inválido",
        "the student's request": "não responde diretamente ao pedido de autorização",
    }[in_reply_to]
    _waits(request, reply, why)


def test_a_tampered_token_decides_nothing(asked, tmp_path):
    request, message_id = asked
    local, _at, domain = message_id.partition("@")
    nonce, _dot, tag = local.partition(".")
    flipped = ("b" if tag[:1] != "b" else "c") + tag[1:]
    reply = _answer(
        tmp_path,
        "tampered-token",
        in_reply_to=f"<{nonce}.{flipped}@{domain}>",
        references=f"<{message_id}>",
    )
    _waits(
        request, reply, "o código do pedido de autorização na resposta está ausente ou é inválido"
    )


def test_two_in_reply_to_ids_decide_nothing(asked, tmp_path):
    request, message_id = asked
    reply = _answer(
        tmp_path,
        "authorised",
        in_reply_to=f"<{message_id}> <chute-0002@ifes.edu.br>",
        references=f"<{message_id}>",
    )
    _waits(request, reply, "não responde diretamente ao pedido de autorização")


@pytest.mark.parametrize(
    "name", ["dkim-fail", "dkim-other-domain", "pass-below-ours", "pass-other-server"]
)
def test_authentication_results_that_do_not_vouch_for_the_coordinator(
    asked, tmp_path, settings, name
):
    """MAILFLOW_AUTHSERV_ID set: a DKIM failure, a pass for another domain, a pass written
    below our server's header (by the sender) or by another server: not approved."""
    settings.MAILFLOW_AUTHSERV_ID = "mx.ifes.edu.br"
    request, message_id = asked
    reply = _answer(tmp_path, name, in_reply_to=f"<{message_id}>", references=f"<{message_id}>")
    _waits(request, reply, "o servidor de e-mail mx.ifes.edu.br não confirmou")


def test_authentication_results_of_our_server_with_dkim_pass_approve(asked, tmp_path, settings):
    settings.MAILFLOW_AUTHSERV_ID = "mx.ifes.edu.br"
    request, message_id = asked
    reply = _answer(
        tmp_path, "dkim-pass", in_reply_to=f"<{message_id}>", references=f"<{message_id}>"
    )
    _approved(request, reply)


@pytest.mark.parametrize(
    ("name", "first_line"),
    [
        ("question", "Autorizado? Ela já concluiu a matrícula?"),
        ("conditional", "Autorizada somente após a matrícula."),
    ],
)
def test_an_unclear_answer_waits_with_its_text_shown_and_staff_decide(
    asked, tmp_path, admin_client, name, first_line
):
    request, message_id = asked
    reply = _answer(tmp_path, name, in_reply_to=f"<{message_id}>", references=f"<{message_id}>")
    _waits(request, reply, f"a primeira linha, “{first_line}”, não é “Autorizado” nem")
    # the admin shows the coordinator's text and why it did not count
    page = admin_client.get(reverse("admin:emails_email_change", args=[reply.pk]))
    html = page.content.decode()
    assert first_line in html
    assert "não vale como decisão" in html
    # ... and a person with the decide permission decides there, as before
    admin_client.post(
        reverse("admin:acesso_accessrequest_changelist"),
        {"action": "approve", "_selected_action": [request.pk]},
    )
    request.refresh_from_db()
    assert request.status == "credentials_queued"


def test_autorizado_with_a_signature_approves(asked, tmp_path):
    request, message_id = asked
    reply = _answer(
        tmp_path, "authorised", in_reply_to=f"<{message_id}>", references=f"<{message_id}>"
    )
    _approved(request, reply)
    assert request.status_changes.filter(to_status="approved", actor_label=COORDINATOR).exists()


def test_an_answer_to_an_identity_changed_since_the_question_decides_nothing(
    asked, tmp_path, django_user_model
):
    """The coordinator was asked about Maria at her university address; a secretary then
    changed the address (before the decision anyone who may change the request can). The
    coordinator's perfectly valid "Autorizado" is about what was asked, not about the new
    address: it waits for a person, who sees the change in the history."""
    from acesso import services as access

    request, message_id = asked
    secretary = django_user_model.objects.create_user("sec", is_staff=True)
    access.access_identity_update(
        request=request, changes={"student_email": "maria@outsider.example"}, actor=secretary
    )
    reply = _answer(
        tmp_path, "authorised", in_reply_to=f"<{message_id}>", references=f"<{message_id}>"
    )
    _waits(request, reply, "mudaram depois do envio do pedido de autorização")


def test_negado_with_a_reason_denies_and_the_student_gets_it(asked, tmp_path, smtp_settings):
    request, message_id = asked
    reply = _answer(tmp_path, "denied", in_reply_to=f"<{message_id}>", references=f"<{message_id}>")
    request.refresh_from_db()
    reply.refresh_from_db()
    assert (request.status, request.denial_reason, reply.status) == (
        "denied",
        "sem vínculo",
        "done",
    )
    denial = OutboundMessage.objects.get(purpose="denial")
    assert denial.to == STUDENT and "sem vínculo" in denial.body_text


# --- predictable Message-IDs -------------------------------------------------------------


def _untemper(y: int) -> int:
    """The Mersenne Twister's state word behind one 32-bit output."""
    y ^= y >> 18
    y ^= (y << 15) & 0xEFC60000
    r = y
    for _ in range(5):
        r = y ^ ((r << 7) & 0x9D2C5680)
    y = r & 0xFFFFFFFF
    r = y
    for _ in range(3):
        r = y ^ (r >> 11)
    return r & 0xFFFFFFFF


def _predict_next(ids: list[str]) -> int | None:
    """The attack on `email.utils.make_msgid` (<time.pid.random64@domain>): 312 IDs are 624
    32-bit outputs of `random`, its whole state; None when the IDs hold no such numbers."""
    numbers = []
    for message_id in ids:
        match = re.fullmatch(r"\d+\.\d+\.(\d+)@.+", message_id)
        if match is None:
            return None
        numbers.append(int(match.group(1)))
    outputs = []
    for n in numbers[-312:]:
        outputs += [n & 0xFFFFFFFF, n >> 32]  # getrandbits(64): the low word first
    clone = random.Random()  # the generator make_msgid used, attacked here
    clone.setstate((3, (*[_untemper(o) for o in outputs], 624), None))
    return clone.getrandbits(64)


def test_312_outbox_message_ids_do_not_predict_the_next(settings):
    settings.MAILFLOW_MESSAGE_ID_DOMAIN = "ifes.edu.br"
    ids = [
        outbox.outbound_compose(
            email=None,
            case_key=f"hostile:{i}",
            purpose="note",
            body_text="x",
            to=COORDINATOR,
            subject="s",
        ).message_id
        for i in range(313)
    ]
    predicted = _predict_next(ids[:312])
    nxt = re.fullmatch(r"\d+\.\d+\.(\d+)@.+", ids[312])
    assert predicted is None or nxt is None or predicted != int(nxt.group(1))
    # 128 bits from `secrets`, in base32, then the tag: nothing else to predict from
    shape = re.compile(r"(?P<nonce>[a-z2-7]{26})\.[a-z2-7]{26}@ifes\.edu\.br")
    nonces = [shape.fullmatch(i).group("nonce") for i in ids]
    assert len(set(nonces)) == 313
