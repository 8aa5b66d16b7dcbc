import datetime
import io

import docx
import pytest

from defesa import documents, selectors, services
from defesa.models import DefenseRequest, DefenseStatusChange, DocumentTemplate
from defesa.tests.factories import COMPLETE, INCOMPLETE, PROFESSOR_ADDRESS, defense_email
from emails import services as email_services
from pipeline import steps
from sender.models import OutboundMessage
from testing.mail import make_raw

pytestmark = pytest.mark.django_db
D = DefenseRequest.Status


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.header.paragraphs)
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts)


def _open(body=COMPLETE) -> DefenseRequest:
    email = defense_email(body)
    totals = steps.run_pending()
    assert totals.get("defesa_open") == 1
    return DefenseRequest.objects.get(email=email)


def test_a_complete_request_gets_its_documents_and_waits_for_review():
    defense = _open()
    assert defense.status == D.AWAITING_REVIEW
    assert (defense.student, defense.date, defense.time, defense.room) == (
        "Maria Souza",
        datetime.date(2025, 10, 15),
        datetime.time(14, 0),
        "207",
    )
    members = [(m.role, m.honorific, m.name, m.institution) for m in defense.members.all()]
    assert members == [
        ("advisor", "Prof. Dr.", "João D'Ávila", ""),
        ("internal", "Profa. Dra.", "Ana Lima", ""),
        ("external", "Prof. Dr.", "Carlos Pereira", "UFES"),
    ]
    assert defense.missing_fields == []
    kinds = sorted(defense.documents.values_list("kind", flat=True))
    assert kinds == sorted(
        [
            "ata_aprovado",
            "ata_reprovado",
            "declaracao_orientador",
            "declaracao_interno",
            "declaracao_externo",
            "folha_aprovacao",
        ]
    )
    external = defense.documents.get(kind="declaracao_externo")
    assert external.filename.endswith(".docx") and external.filename.isascii()
    text = docx_text(external.file.read())
    assert "Carlos Pereira" in text and "UFES" in text and "{{" not in text
    assert defense.email.status == "processing"
    assert not OutboundMessage.objects.exists()  # nothing leaves before a person approves
    notes = list(DefenseStatusChange.objects.filter(defense=defense).values_list("note", flat=True))
    assert any("6 documentos gerados" in n for n in notes)


def test_missing_data_sends_the_form_at_once():
    defense = _open(INCOMPLETE)
    assert defense.status == D.AWAITING_DATA
    assert defense.missing_fields == ["time", "external"]
    assert not defense.documents.exists()
    form = OutboundMessage.objects.get(purpose="form_request")
    assert form.status == OutboundMessage.Status.QUEUED  # no one waits
    assert form.to == PROFESSOR_ADDRESS
    assert form.subject == "Re: Defesa de mestrado - Maria Souza"
    assert "Nome Completo Aluno: Maria Souza" in form.body_text
    assert "- o horário" in form.body_text
    assert "- pelo menos um membro externo, com a instituição" in form.body_text
    assert "Membro Externo:" in form.body_text


def _answer(defense: DefenseRequest, body: str):
    form = OutboundMessage.objects.get(purpose="form_request")
    reply, _ = email_services.email_ingest(
        raw=make_raw(
            subject="Re: Defesa de mestrado - Maria Souza",
            from_="João D'Ávila <joao.davila@ifes.edu.br>",
            body=body,
            headers={"In-Reply-To": f"<{form.message_id}>"},
        )
    )
    steps.run_pending()
    reply.refresh_from_db()
    defense.refresh_from_db()
    return reply


QUOTED_FORM = (
    "\n\nEm qua., 1 de out. de 2025 às 10:00, Secretaria <secretaria@localhost> escreveu:\n"
    "> Nome Completo Aluno: Maria Souza\n> Horário:\n> Membro Externo:\n"
)


def test_the_answer_is_merged_and_completes_the_request():
    defense = _open(INCOMPLETE)
    reply = _answer(
        defense,
        "Segue:\n\nHorário: 9h30\nMembro Externo: Dra. Paula Reis - UFRJ\n" + QUOTED_FORM,
    )
    assert reply.case_id == defense.email_id and reply.status == "done"
    assert defense.status == D.AWAITING_REVIEW
    assert defense.time == datetime.time(9, 30)
    assert defense.members.get(role="external").name == "Paula Reis"
    assert defense.documents.count() == 6
    merge = DefenseStatusChange.objects.filter(
        defense=defense, note__startswith="resposta incorporada"
    ).get()
    assert "horário: — → 09:30" in merge.note
    assert merge.actor_label == PROFESSOR_ADDRESS


def test_an_answer_without_data_waits_for_a_person():
    defense = _open(INCOMPLETE)
    reply = _answer(defense, "Obrigado, amanhã eu envio.")
    assert reply.status == "needs_review"
    assert defense.status == D.AWAITING_DATA


def test_a_partial_answer_keeps_asking_nothing_more_automatically():
    defense = _open(INCOMPLETE)
    _answer(defense, "Horário: 14h\n")
    assert defense.status == D.AWAITING_DATA
    assert defense.missing_fields == ["external"]
    assert OutboundMessage.objects.filter(purpose="form_request").count() == 1


def test_approval_queues_the_chamado_and_the_reply_with_the_documents(secretary, settings):
    defense = _open()
    services.defense_approve(defense=defense, actor=secretary)
    defense.refresh_from_db()
    assert defense.status == D.APPROVED and defense.approved_by == secretary
    chamado = OutboundMessage.objects.get(purpose="chamado")
    reply = OutboundMessage.objects.get(purpose="documents")
    assert chamado.to == settings.MAILFLOW_CHAMADO_TO and chamado.status == "queued"
    assert reply.to == PROFESSOR_ADDRESS and reply.in_reply_to == f"<{defense.email.message_id}>"
    for message in (chamado, reply):
        assert message.attachments.count() == 6
        assert "Maria Souza" in message.body_text
        assert "15/10/2025 (15 de outubro de 2025)" in message.body_text
        assert "Prof. Dr. Carlos Pereira (UFES) – Membro externo" in message.body_text
    assert selectors.finish_due() == []
    OutboundMessage.objects.filter(purpose="chamado").update(
        status="sent", sent_at=datetime.datetime.now(datetime.UTC)
    )
    assert selectors.finish_due() == []  # the reply has not left yet
    OutboundMessage.objects.filter(purpose="documents").update(
        status="sent", sent_at=datetime.datetime.now(datetime.UTC)
    )
    assert steps.run_pending().get("defesa_finish") == 1
    defense.refresh_from_db()
    defense.email.refresh_from_db()
    assert defense.status == D.SENT and defense.email.status == "done"


def test_approval_is_refused_with_a_reason(secretary, settings):
    defense = _open(INCOMPLETE)
    with pytest.raises(services.DefenseError, match="aguardando revisão"):
        services.defense_approve(defense=defense, actor=secretary)
    complete = _open(COMPLETE.replace("Maria Souza", "Pedro Alves"))
    settings.MAILFLOW_CHAMADO_TO = ""
    with pytest.raises(services.DefenseError, match="MAILFLOW_CHAMADO_TO"):
        services.defense_approve(defense=complete, actor=secretary)
    assert not OutboundMessage.objects.filter(purpose="chamado").exists()


def test_edits_are_in_the_history_and_approval_uses_fresh_documents(secretary):
    defense = _open()
    old_checksum = defense.documents.get(kind="declaracao_externo").checksum
    services.defense_update(
        defense=defense,
        changes={"external_members": [{"name": "Carlos Pereira Neto", "institution": "UFES"}]},
        actor=secretary,
    )
    change = DefenseStatusChange.objects.filter(defense=defense, actor=secretary).get()
    assert "Carlos Pereira (UFES) → Carlos Pereira Neto (UFES)" in change.note
    services.defense_approve(defense=defense, actor=secretary)
    external = defense.documents.get(kind="declaracao_externo")
    assert external.checksum != old_checksum
    assert "Carlos Pereira Neto" in docx_text(external.file.read())


def test_clearing_a_required_field_sends_it_back_to_awaiting_data(secretary):
    defense = _open()
    services.defense_update(defense=defense, changes={"room": "", "link": ""}, actor=secretary)
    defense.refresh_from_db()
    assert defense.status == D.AWAITING_DATA and defense.missing_fields == ["room"]
    services.defense_update(defense=defense, changes={"room": "Virtual"}, actor=secretary)
    defense.refresh_from_db()
    assert defense.status == D.AWAITING_REVIEW


def test_rejection_needs_a_reason_and_reaches_the_professor(secretary):
    defense = _open()
    with pytest.raises(services.DefenseError):
        services.defense_reject(defense=defense, actor=secretary, reason=" ")
    services.defense_reject(
        defense=defense, actor=secretary, reason="A aluna ainda não depositou a dissertação."
    )
    defense.refresh_from_db()
    assert defense.status == D.REJECTED
    rejection = OutboundMessage.objects.get(purpose="rejection")
    assert rejection.to == PROFESSOR_ADDRESS
    assert "ainda não depositou a dissertação" in rejection.body_text
    assert "defesa de Maria Souza" in rejection.body_text
    defense.email.refresh_from_db()
    assert defense.email.status == "done"
    with pytest.raises(services.DefenseError):
        services.defense_update(defense=defense, changes={"room": "208"}, actor=secretary)


def test_an_uploaded_template_is_validated_and_used(secretary):
    good = documents.default_template("folha_aprovacao")
    document = docx.Document(io.BytesIO(good))
    document.add_paragraph("Versão da secretaria: {{ student }} em {{ city }}")
    buffer = io.BytesIO()
    document.save(buffer)
    services.document_template_upload(
        kind="folha_aprovacao", content=buffer.getvalue(), actor=secretary
    )
    bad = docx.Document(io.BytesIO(good))
    bad.add_paragraph("{{ aluno_nome }} {{ sala_numero }}")
    bad_buffer = io.BytesIO()
    bad.save(bad_buffer)
    with pytest.raises(documents.TemplateInvalid) as refused:
        services.document_template_upload(
            kind="folha_aprovacao", content=bad_buffer.getvalue(), actor=secretary
        )
    assert "aluno_nome" in str(refused.value) and "sala_numero" in str(refused.value)
    defense = _open()
    sheet = defense.documents.get(kind="folha_aprovacao")
    assert sheet.template == DocumentTemplate.objects.get(kind="folha_aprovacao")
    assert "Versão da secretaria: Maria Souza em Serra" in docx_text(sheet.file.read())


def test_a_later_email_in_a_closed_case_waits_for_a_person(secretary):
    defense = _open()
    services.defense_approve(defense=defense, actor=secretary)
    chamado = OutboundMessage.objects.get(purpose="chamado")
    answer, _ = email_services.email_ingest(
        raw=make_raw(
            subject="Re: " + chamado.subject,
            from_="coordenacao.ppcomp@ifes.edu.br",
            body="Divulgado.",
            headers={"In-Reply-To": f"<{chamado.message_id}>"},
        )
    )
    steps.run_pending()
    answer.refresh_from_db()
    assert answer.case_id == defense.email_id
    assert answer.status == "needs_review"
    defense.refresh_from_db()
    assert defense.status == D.APPROVED


def test_pdf_copies_when_configured(settings):
    from defesa.tests.test_documents import require_soffice

    require_soffice()
    settings.MAILFLOW_DEFENSE_PDF = True
    defense = _open()
    names = sorted(defense.documents.values_list("filename", flat=True))
    assert len(names) == 12
    pdfs = [n for n in names if n.endswith(".pdf")]
    assert len(pdfs) == 6
    assert defense.documents.get(filename=pdfs[0]).file.read().startswith(b"%PDF")


def test_a_long_name_is_stored_cut_between_words(secretary):
    defense = _open()
    name = ("Maria Rosa " + "Fernanda Nogueira " * 20)[:300].strip()
    services.defense_update(
        defense=defense,
        changes={"student": name, "external_members": [{"name": name, "institution": name}]},
        actor=secretary,
    )
    external = defense.members.get(role="external")
    for stored in (defense.student, external.name, external.institution):
        assert len(stored) <= 200 and stored == stored.strip()
        assert name.startswith(stored) and name[len(stored)] == " "


QUALIFICATION = """Prezada secretaria,

Solicito o agendamento do exame de qualificação da minha orientanda:

Nome Completo Aluno: Maria Souza
Título: Detecção de anomalias em redes com aprendizado profundo
Data: 15/10/2025
Horário: 14:00h
Sala: 207

Orientador Principal: Prof. Dr. João D'Ávila
Membro Interno: Profa. Dra. Ana Lima
Membro Externo: Prof. Dr. Carlos Pereira (UFES)
"""


def _ingested(body: str, subject: str):
    email, _ = email_services.email_ingest(raw=make_raw(subject=subject, body=body))
    return email


def test_the_reader_recognises_a_whole_defence_request():
    assert services.defense_recognised(_ingested(COMPLETE, "Defesa de mestrado - Maria Souza"))


def test_a_qualification_exam_with_a_whole_committee_is_not_recognised_as_a_defence():
    email = _ingested(QUALIFICATION, "Exame de qualificação - Maria Souza")
    assert services.defense_extract(email).data.advisor  # the reader finds it all...
    assert not services.defense_recognised(email)  # ...but it is no defence


def test_a_defence_request_that_also_mentions_a_qualification_is_recognised():
    body = COMPLETE + "\nA qualificação do Pedro fica para o mês que vem.\n"
    assert services.defense_recognised(_ingested(body, "Defesa e qualificação"))


def test_a_thank_you_above_a_quoted_request_is_not_vouched_for():
    quoted = "\n".join(f"> {line}" for line in COMPLETE.splitlines())
    attribution = "Em 1 de out. de 2025, às 10:00, João <joao@ifes.edu.br> escreveu:"
    body = f"Obrigado!\n\n{attribution}\n{quoted}\n"
    email = _ingested(body, "Re: Defesa de mestrado - Maria Souza")
    assert services.defense_extract(email).data.advisor  # the quoted request is read...
    assert not services.defense_recognised(email)  # ...but the reply asks for nothing new


def test_a_link_the_email_promises_is_awaited_then_the_answer_completes_it():
    body = COMPLETE.replace(
        "Link Sala Virtual(Se n houver, deixar em branco):",
        "Link Sala Virtual(Se n houver, deixar em branco): (envio depois; a defesa é híbrida)",
    )
    defense = _open(body)
    assert defense.status == D.AWAITING_DATA
    assert defense.missing_fields == ["link"]
    form = OutboundMessage.objects.get(purpose="form_request")
    assert str(services.FIELD_LABELS["link"]) in form.body_text
    _answer(
        defense,
        "Segue o link.\n\nLink Sala Virtual(Se n houver, deixar em branco): "
        "https://meet.google.com/abc-defg-hij\n",
    )
    assert defense.link == "https://meet.google.com/abc-defg-hij"
    assert defense.missing_fields == []
    assert defense.status == D.AWAITING_REVIEW


def test_an_answer_that_adds_a_member_keeps_every_members_source():
    defense = _open(INCOMPLETE)
    request_text = defense.email.body_text
    advisor_span = defense.provenance["member:0"]
    assert request_text[advisor_span["start"] : advisor_span["end"]] == "João D'Ávila"
    reply = _answer(
        defense, "Horário: 14h\nMembro Externo: Prof. Dr. Carlos Pereira (UFES)\n\nJoão"
    )
    names = [m.name for m in defense.members.order_by("order")]
    assert names == ["João D'Ávila", "Ana Lima", "Carlos Pereira"]
    # the request's members keep their spans in the request's text
    assert defense.provenance["member:0"] == advisor_span
    ana = defense.provenance["member:1"]
    assert request_text[ana["start"] : ana["end"]] == "Ana Lima" and "email" not in ana
    # the answer's member points into the answer
    carlos = defense.provenance["member:2"]
    assert carlos["email"] == reply.pk
    assert reply.body_text[carlos["start"] : carlos["end"]] == "Carlos Pereira"


def test_a_student_named_only_in_the_attached_form_is_read_from_its_file_name():
    body = COMPLETE.replace("Nome Completo Aluno: Maria Souza\n", "")
    pdf = ("Formulario_Defesa_Beatriz_Nunes_Coelho.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n")
    email = defense_email(body, subject="Solicitação de defesa", attachments=[pdf])

    found = services.defense_extract(email)

    assert found.data.student == "Beatriz Nunes Coelho"
    assert found.checks["student"] == "from_attachment"


ANNOUNCEMENT = (
    "Prezados,\n\nConvidamos toda a comunidade para a defesa pública de Maria Souza.\n\n" + COMPLETE
)


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Convite - defesa de Maria Souza", ANNOUNCEMENT),
        (
            "Declaração",
            "Participei da banca abaixo; peço a declaração de participação.\n" + COMPLETE,
        ),
        ("Para divulgação", "Só para conhecimento e divulgação no site:\n" + COMPLETE),
    ],
)
def test_a_look_alike_the_model_is_sure_of_waits_for_a_person(subject, body):
    from categorizer.services import email_route
    from emails.models import Email

    email = _ingested(body, subject)
    assert services.defense_doubts(email)
    email_route(email=email, kind="defesa", confidence=0.97, scores={"defesa": 0.97})
    email.refresh_from_db()
    assert email.status == Email.Status.NEEDS_REVIEW
    note = email.status_changes.order_by("-id").first().note
    assert "duvida" in note or "doubts" in note
    assert not services.defense_recognised(email)


def test_a_forward_for_information_and_action_is_no_look_alike():
    body = "Secretaria, encaminho para conhecimento e providências.\n\n" + COMPLETE
    email = _ingested(body, "ENC: Defesa de mestrado - Maria Souza")
    assert services.defense_doubts(email) == ""
    from categorizer.services import email_route
    from emails.models import Email

    email_route(email=email, kind="defesa", confidence=0.97, scores={"defesa": 0.97})
    email.refresh_from_db()
    assert email.status == Email.Status.RECEIVED


def test_a_reply_in_a_case_is_never_doubted():
    """A case's reply keeps its kind (no model scores): the look-alike check is the
    model's, not the case's."""
    from categorizer.services import email_route
    from emails.models import Email

    email = _ingested(ANNOUNCEMENT, "Re: Defesa")
    email_route(email=email, kind="defesa", confidence=1.0)
    email.refresh_from_db()
    assert email.status == Email.Status.RECEIVED


def test_a_request_asking_for_the_members_certificates_is_no_look_alike():
    """A member's "declaração de participação" is one of the request's own documents."""
    body = COMPLETE + "\nPor favor, emitam também a declaração de participação do externo.\n"
    assert services.defense_doubts(_ingested(body, "Defesa de mestrado - Maria Souza")) == ""


def test_a_whole_request_whose_title_is_still_to_come_is_recognised():
    body = COMPLETE.replace(
        "Detecção de anomalias em redes com aprendizado profundo", "(mando depois)"
    )
    email = _ingested(body, "Defesa de mestrado - Maria Souza")
    assert not services.defense_extract(email).data.title
    assert services.defense_recognised(email)
