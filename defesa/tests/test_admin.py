import datetime

import pytest
from django.urls import reverse

from defesa.models import DefenseRequest, DefenseStatusChange, DocumentTemplate
from defesa.tests.factories import COMPLETE, INCOMPLETE, defense_email
from defesa.tests.test_services import docx_text
from pipeline import steps
from sender.models import OutboundMessage

pytestmark = pytest.mark.django_db
D = DefenseRequest.Status


def _open(body=COMPLETE) -> DefenseRequest:
    email = defense_email(body)
    steps.run_pending()
    return DefenseRequest.objects.get(email=email)


def _change_url(defense) -> str:
    return reverse("admin:defesa_defenserequest_change", args=[defense.pk])


def _form_data(response) -> dict:
    """What the browser would post back: every field of the page's forms as shown."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for name in form.fields:
            bound = form[name]
            value = bound.value()
            if value is None or value is False:
                continue
            if isinstance(value, datetime.date):
                value = value.strftime("%d/%m/%Y")
            elif isinstance(value, datetime.time):
                value = value.strftime("%H:%M")
            data[bound.html_name] = value
    return data


def test_review_page_shows_the_email_beside_the_fields_and_the_documents(client, secretary):
    defense = _open()
    client.force_login(secretary)
    page = client.get(_change_url(defense))
    html = page.content.decode()
    assert page.status_code == 200
    assert "E-mail original" in html
    assert "Seguem os dados da defesa da minha orientanda" in html
    assert 'value="Maria Souza"' in html
    assert 'value="Carlos Pereira"' in html
    assert "Salvar, aprovar e enviar" in html
    assert "Salvar e gerar os documentos de novo" in html
    document = defense.documents.get(kind="ata_aprovado")
    url = reverse("admin:defesa_defenserequest_document", args=[defense.pk, document.pk])
    assert url in html
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert "APROVADO" in docx_text(b"".join(download.streaming_content))


def test_correct_a_member_regenerate_and_approve(client, secretary):
    defense = _open()
    client.force_login(secretary)
    data = _form_data(client.get(_change_url(defense)))
    member_key = next(k for k, v in data.items() if v == "Carlos Pereira")
    data[member_key] = "Carlos Alberto Pereira"
    data["_regenerate"] = "1"
    response = client.post(_change_url(defense), data, follow=True)
    assert "6 documentos gerados" in response.content.decode()
    external = defense.documents.get(kind="declaracao_externo")
    assert "Carlos Alberto Pereira" in docx_text(external.file.read())
    edit = DefenseStatusChange.objects.filter(defense=defense, actor=secretary).first()
    assert "Carlos Pereira (UFES) → Prof. Dr. Carlos Alberto Pereira (UFES)" in edit.note or (
        "Carlos Alberto Pereira" in edit.note
    )

    data = _form_data(client.get(_change_url(defense)))
    data["_approve"] = "1"
    response = client.post(_change_url(defense), data, follow=True)
    assert "aprovada" in response.content.decode()
    defense.refresh_from_db()
    assert defense.status == D.APPROVED
    assert OutboundMessage.objects.filter(purpose__in=["chamado", "documents"]).count() == 2


def test_an_editor_without_the_review_permission_cannot_approve(client, editor):
    defense = _open()
    client.force_login(editor)
    html = client.get(_change_url(defense)).content.decode()
    assert "Salvar, aprovar e enviar" not in html
    data = _form_data(client.get(_change_url(defense)))
    data["_approve"] = "1"
    assert client.post(_change_url(defense), data).status_code == 403
    defense.refresh_from_db()
    assert defense.status == D.AWAITING_REVIEW
    reject = reverse("admin:defesa_defenserequest_reject", args=[defense.pk])
    assert client.post(reject, {"reason": "não"}).status_code == 403


def test_reject_asks_for_the_reason(client, secretary):
    defense = _open(INCOMPLETE)
    client.force_login(secretary)
    reject = reverse("admin:defesa_defenserequest_reject", args=[defense.pk])
    page = client.get(reject)
    assert "O motivo é enviado ao professor" in page.content.decode()
    response = client.post(reject, {"reason": ""})
    assert response.status_code == 200  # the form again, with the error
    response = client.post(reject, {"reason": "Defesa já registrada."}, follow=True)
    assert "recusada" in response.content.decode()
    defense.refresh_from_db()
    assert defense.status == D.REJECTED and defense.rejection_reason == "Defesa já registrada."


def test_an_approved_request_is_read_only(client, secretary):
    from defesa import services

    defense = _open()
    services.defense_approve(defense=defense, actor=secretary)
    client.force_login(secretary)
    html = client.get(_change_url(defense)).content.decode()
    assert 'name="student"' not in html
    assert "Salvar, aprovar e enviar" not in html


def test_list_shows_what_is_missing(client, secretary):
    _open(INCOMPLETE)
    client.force_login(secretary)
    html = client.get(reverse("admin:defesa_defenserequest_changelist")).content.decode()
    assert "Aguardando dados" in html
    assert "o horário, pelo menos um membro externo" in html


def test_template_upload_lists_unknown_placeholders(admin_client):
    import io

    import docx
    from django.core.files.uploadedfile import SimpleUploadedFile

    from defesa import documents

    add = reverse("admin:defesa_documenttemplate_add")
    page = admin_client.get(add).content.decode()
    assert "{{ student }}" in page  # the placeholder list is the help text
    bad = docx.Document(io.BytesIO(documents.default_template("ata_aprovado")))
    bad.add_paragraph("{{ nome_do_aluno }}")
    buffer = io.BytesIO()
    bad.save(buffer)
    response = admin_client.post(
        add,
        {
            "kind": "ata_aprovado",
            "upload": SimpleUploadedFile("ata.docx", buffer.getvalue()),
        },
    )
    assert response.status_code == 200
    assert "nome_do_aluno" in response.content.decode()
    assert not DocumentTemplate.objects.exists()
    response = admin_client.post(
        add,
        {
            "kind": "ata_aprovado",
            "upload": SimpleUploadedFile("ata.docx", documents.default_template("ata_aprovado")),
        },
    )
    assert response.status_code == 302
    assert DocumentTemplate.objects.get().kind == "ata_aprovado"
    listing = admin_client.get(reverse("admin:defesa_documenttemplate_changelist"))
    default_url = reverse("admin:defesa_documenttemplate_file", args=["folha_aprovacao"])
    assert default_url in listing.content.decode()
    assert admin_client.get(default_url).status_code == 200


def test_the_history_names_what_acted_in_portuguese(admin_client):
    defense = _open()
    html = admin_client.get(_change_url(defense)).content.decode()
    assert "fluxo de defesas" in html  # the workflow, not its code "defesa"
    assert "Aguardando revisão" in html  # statuses by label


def test_the_history_shows_no_status_code_above_its_rows(admin_client):
    """The admin writes each history row's text above it: labels, never the codes."""
    defense = _open()
    html = admin_client.get(_change_url(defense)).content.decode()
    assert "awaiting_review" not in html.replace('"awaiting_review"', "")
    assert "Aguardando dados → Aguardando revisão" in html
    change = DefenseStatusChange.objects.filter(defense=defense).latest("id")
    assert str(change) == "Aguardando dados → Aguardando revisão"


# --- where each value was read, and what a person must check ----------------------------

PROSE = (
    "Peço o agendamento da defesa da minha orientanda Maria Souza. A dissertação, intitulada "
    "Detecção de anomalias em redes, será defendida no dia 15 de outubro de 2025, às 14 "
    "horas, na sala 207. A banca contará comigo na presidência, com a colega Ana Lima Reis, "
    "do programa, e com o professor Carlos Pereira Dias, da UFES."
)


def _visible_text(html: str) -> str:
    import re

    body = html[html.index('<div id="content-main">') :]
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S))


def test_review_page_marks_each_value_in_the_email_and_says_where_it_came_from(client, secretary):
    defense = _open(PROSE)
    client.force_login(secretary)
    html = client.get(_change_url(defense)).content.decode()
    assert (
        '<mark class="value-mark to-check" data-field="title" title="Título — verificar: lido '
        'de uma frase, não de um campo rotulado">Detecção de anomalias em redes</mark>'
    ) in html
    # the room was read from a sentence by the form reader: marked too
    assert '<mark class="value-mark to-check" data-field="room" title="Sala — verificar' in html
    assert 'data-field="member:1" title="Membro da banca 2 — verificar: o papel foi deduzido' in (
        html
    )
    defense.refresh_from_db()
    assert html.count('<span class="check-badge">verificar</span>') == len(defense.checks)
    assert "lido de: uma frase" in html
    assert 'data-field="date"' in html  # the date, written out in words, is found too
    assert "lido de: o remetente (cabeçalho De)" in html  # the advisor, who wrote it
    # the box at the top, before the form, lists what to check
    box = html[html.index('class="checks-box"') : html.index('id="defenserequest_form"')]
    assert "Verifique antes de aprovar:" in box
    assert "Membro da banca 3</strong>: Carlos Pereira Dias (Membro externo)" in box
    assert "Marcar como verificado" in box
    assert "staff/marks.js" in html
    text = _visible_text(html)
    for code in ("prose", "role_from_context", "awaiting_review", "member:"):
        assert code not in text


def test_the_email_is_escaped_around_the_marks(client, secretary):
    defense = _open(PROSE + "\n\n<script>alert('x')</script> <b>Att.</b>")
    client.force_login(secretary)
    html = client.get(_change_url(defense)).content.decode()
    assert "<script>alert" not in html and "<b>Att.</b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &lt;b&gt;Att.&lt;/b&gt;" in html
    assert 'data-field="title"' in html


def test_marking_as_checked_clears_the_marks(client, secretary):
    defense = _open(PROSE)
    assert defense.checks
    client.force_login(secretary)
    checked = reverse("admin:defesa_defenserequest_checked", args=[defense.pk])
    assert client.get(checked).status_code == 405
    response = client.post(checked, follow=True)
    html = response.content.decode()
    assert "os valores a verificar foram marcados como verificados" in html
    assert "Verifique antes de aprovar" not in html and "check-badge" not in html
    assert "lido de: uma frase" in html  # where the values came from stays
    defense.refresh_from_db()
    assert defense.checks == {}
    note = defense.status_changes.order_by("-id").first()
    assert note.actor == secretary and "título" in note.note


def test_an_editor_cannot_mark_values_as_checked(client, editor):
    defense = _open(PROSE)
    client.force_login(editor)
    html = client.get(_change_url(defense)).content.decode()
    assert "Verifique antes de aprovar" in html and "Marcar como verificado" not in html
    checked = reverse("admin:defesa_defenserequest_checked", args=[defense.pk])
    assert client.post(checked).status_code == 403
    defense.refresh_from_db()
    assert defense.checks


def test_a_form_request_has_no_box_and_its_values_come_from_labelled_fields(client, secretary):
    defense = _open(COMPLETE)
    client.force_login(secretary)
    html = client.get(_change_url(defense)).content.decode()
    assert "Verifique antes de aprovar" not in html and "check-badge" not in html
    assert "lido de: um campo rotulado" in html
    assert '<mark class="value-mark" data-field="student" title="Aluno(a)">Maria Souza</mark>' in (
        html
    )


def test_list_shows_requests_to_check_first_with_how_many(client, secretary):
    marked = _open(PROSE)
    plain = _open(COMPLETE.replace("Maria Souza", "Joana Prado"))  # newer
    client.force_login(secretary)
    response = client.get(reverse("admin:defesa_defenserequest_changelist"))
    rows = list(response.context["cl"].result_list)
    assert [row.pk for row in rows] == [marked.pk, plain.pk]
    html = response.content.decode()
    assert "A verificar" in html
    marked.refresh_from_db()
    assert f'<td class="field-to_check">{len(marked.checks)}</td>' in html
    assert '<td class="field-to_check">—</td>' in html


def test_a_value_from_an_answer_is_marked_in_the_later_email(client, secretary):
    from defesa.tests.factories import PROFESSOR
    from emails import services as email_services
    from testing.mail import make_raw

    defense = _open(INCOMPLETE)
    form = OutboundMessage.objects.get(purpose="form_request")
    thread = "<" + form.message_id.strip("<>") + ">"
    body = "Segue o que faltava.\n\nHorário: 14h30\n"
    email_services.email_ingest(
        raw=make_raw(
            subject="Re: Defesa de mestrado - Maria Souza",
            from_=PROFESSOR,
            body=body,
            headers={"In-Reply-To": thread, "References": thread},
        )
    )
    steps.run_pending()
    defense.refresh_from_db()
    answer = defense.provenance["time"]["email"]
    text = defense.email.__class__.objects.get(pk=answer).body_text
    # where a reader that spans "14h30" would have put it
    start = text.index("14h30")
    defense.provenance["time"].update(start=start, end=start + 5)
    DefenseRequest.objects.filter(pk=defense.pk).update(provenance=defense.provenance)
    client.force_login(secretary)
    html = client.get(_change_url(defense)).content.decode()
    original = html[html.index("E-mail original") : html.index("E-mail posterior")]
    later = html[html.index("E-mail posterior") :]
    assert 'data-field="time"' not in original and 'data-field="student"' in original
    assert '<mark class="value-mark" data-field="time" title="Horário">14h30</mark>' in later
    assert "lido de: um campo rotulado (num e-mail posterior deste caso)" in html


def test_once_approved_the_box_asks_for_no_check(client, secretary):
    from defesa import services

    defense = _open(PROSE)
    services.defense_approve(defense=defense, actor=secretary)
    client.force_login(secretary)
    html = client.get(_change_url(defense)).content.decode()
    assert "Verifique antes de aprovar" not in html
    assert "check-badge" in html  # what was read from sentences stays visible
