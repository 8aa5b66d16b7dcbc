import pytest
from django.urls import reverse

from sender import services
from sender.models import OutboundMessage

pytestmark = pytest.mark.django_db


def _message(request_email, **kwargs):
    return services.outbound_compose(
        email=request_email,
        purpose=kwargs.pop("purpose", "credentials"),
        body_text="Sua senha: " + services.SECRET_TOKEN.format(name="password"),
        secrets={"password": "Segredo-Muito-Forte-1"},
        attachments=[("Declaração – João.pdf", "application/pdf", b"%PDF")],
        **kwargs,
    )


def test_list_and_preview(admin_client, request_email):
    message = _message(request_email)
    html = admin_client.get(reverse("admin:sender_outboundmessage_changelist")).content.decode()
    assert "Re: Solicitação de acesso ao laboratório" in html
    assert "Rascunho" in html
    page = admin_client.get(
        reverse("admin:sender_outboundmessage_change", args=[message.pk])
    ).content.decode()
    assert "Sua senha: ••••••••" in page
    assert "Segredo-Muito-Forte-1" not in page
    assert "Declaração – João.pdf" in page
    assert "maria.souza@aluno.ifes.edu.br" in page


def test_what_a_message_is_for_shows_by_its_label(admin_client, request_email):
    """The list, its filter, the page and the history say "Pedido de autorização", never
    the code "authorisation_request"."""
    message = services.outbound_compose(
        email=request_email, purpose="authorisation_request", body_text="Autoriza?"
    )
    listing = admin_client.get(reverse("admin:sender_outboundmessage_changelist"))
    page = admin_client.get(reverse("admin:sender_outboundmessage_change", args=[message.pk]))
    for html in (listing.content.decode(), page.content.decode()):
        assert "Pedido de autorização" in html
        assert ">authorisation_request<" not in html and "(authorisation_request)" not in html
    assert message.status_changes.get().note == "composta (Pedido de autorização)"


def test_attachments_open_from_the_preview(admin_client, client, request_email, django_user_model):
    message = _message(request_email)
    other = services.outbound_compose(
        email=request_email,
        purpose="other",
        body_text="x",
        attachments=[("b.txt", "text/plain", b"b")],
    )
    [attachment] = message.attachments.all()
    url = reverse("admin:sender_outboundmessage_attachment", args=[message.pk, attachment.pk])
    page = admin_client.get(reverse("admin:sender_outboundmessage_change", args=[message.pk]))
    assert f'href="{url}"' in page.content.decode()
    response = admin_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF"
    assert response["Content-Type"] == "application/octet-stream"
    assert "attachment" in response["Content-Disposition"]
    # an attachment of another message under this one's address, and no login: refused
    [foreign] = other.attachments.all()
    wrong = reverse("admin:sender_outboundmessage_attachment", args=[message.pk, foreign.pk])
    assert admin_client.get(wrong).status_code == 404
    assert client.get(url).status_code == 302  # to the login page
    viewer = django_user_model.objects.create_user("sem-permissao", password="x", is_staff=True)
    client.force_login(viewer)
    assert client.get(url).status_code == 403


def test_date_filters(admin_client, request_email):
    _message(request_email)
    html = admin_client.get(reverse("admin:sender_outboundmessage_changelist")).content.decode()
    assert "Por criada em" in html and "Por enviada em" in html
    assert "Últimos 7 dias" in html


def _act(admin_client, action, message, **extra):
    return admin_client.post(
        reverse("admin:sender_outboundmessage_changelist"),
        {"action": action, "_selected_action": [message.pk], **extra},
        follow=True,
    )


def test_approve_action(admin_client, request_email):
    message = _message(request_email)
    response = _act(admin_client, "approve_and_send", message)
    assert "1 mensagem aprovada" in response.content.decode()
    message.refresh_from_db()
    assert message.status == "queued"
    again = _act(admin_client, "approve_and_send", message)
    assert "somente um rascunho" in again.content.decode()


def test_uncertain_needs_confirmation_to_resend(admin_client, request_email):
    message = _message(request_email)
    OutboundMessage.objects.filter(pk=message.pk).update(status="uncertain")
    confirm = _act(admin_client, "resend_uncertain", message)
    assert "Enviar novamente?" in confirm.content.decode()
    message.refresh_from_db()
    assert message.status == "uncertain"
    _act(admin_client, "resend_uncertain", message, confirm="yes")
    message.refresh_from_db()
    assert message.status == "queued"


def test_mark_uncertain_as_sent(admin_client, request_email):
    message = _message(request_email)
    OutboundMessage.objects.filter(pk=message.pk).update(status="uncertain")
    _act(admin_client, "mark_uncertain_sent", message)
    message.refresh_from_db()
    assert message.status == "sent" and message.sent_at and message.secrets_encrypted == ""


def test_html_preview_is_sanitised(admin_client, request_email):
    message = services.outbound_compose(
        email=request_email,
        purpose="html",
        body_text="texto",
    )
    OutboundMessage.objects.filter(pk=message.pk).update(
        body_html='<p onclick="x()">Olá <b>Maria</b></p><script>alert(1)</script>'
    )
    page = admin_client.get(
        reverse("admin:sender_outboundmessage_change", args=[message.pk])
    ).content.decode()
    assert "<b>Maria</b>" in page and "alert(1)" not in page and "x()" not in page


def test_discard_asks_why_then_keeps_the_message_unsent(admin_client, request_email):
    message = _message(request_email)
    confirm = _act(admin_client, "discard", message)
    page = confirm.content.decode()
    assert "Descartar estas mensagens?" in page and "Segredo-Muito-Forte-1" not in page
    message.refresh_from_db()
    assert message.status == "draft"
    too_long = _act(admin_client, "discard", message, confirm="yes", reason="x" * 1001)
    assert "O motivo é longo demais" in too_long.content.decode()
    message.refresh_from_db()
    assert message.status == "draft"
    done = _act(admin_client, "discard", message, confirm="yes", reason="pedido duplicado")
    assert "1 mensagem descartada" in done.content.decode()
    message.refresh_from_db()
    assert (message.status, message.secrets_encrypted) == ("discarded", "")
    assert message.status_changes.latest("id").note == "pedido duplicado"
    again = _act(admin_client, "discard", message, confirm="yes")
    assert "não pode passar a" in again.content.decode()
