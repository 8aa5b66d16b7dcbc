"""A case's admin page (an email, a defence, an access request) lists its replies."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from acesso.models import AccessRequest
from defesa.models import DefenseRequest
from defesa.tests.factories import defense_email
from pipeline import steps
from sender import services
from sender.models import OutboundMessage

pytestmark = pytest.mark.django_db


def _replies_section(html: str) -> str:
    assert "Respostas" in html, "no replies section"
    return html[html.index("Respostas") :]


def test_an_email_lists_its_replies_with_status_and_link(admin_client, request_email):
    held = services.outbound_compose(email=request_email, purpose="ack", body_text="x")
    OutboundMessage.objects.filter(pk=held.pk).update(held_reason="limite por hora atingido")
    sent = services.outbound_compose(
        email=request_email, purpose="credentials", body_text="y", subject="Suas credenciais"
    )
    OutboundMessage.objects.filter(pk=sent.pk).update(status="sent", sent_at=timezone.now())
    services.outbound_compose(
        email=None,
        case_key="other:1",
        purpose="x",
        body_text="z",
        to="a@b.example",
        subject="De outro caso",
    )
    html = admin_client.get(
        reverse("admin:emails_email_change", args=[request_email.pk])
    ).content.decode()
    section = _replies_section(html)
    assert reverse("admin:sender_outboundmessage_change", args=[held.pk]) in section
    assert "Rascunho (limite por hora atingido)" in section
    assert "Suas credenciais" in section and "Enviada" in section
    assert "De outro caso" not in section


def test_an_email_without_replies_says_so(admin_client, request_email):
    html = admin_client.get(reverse("admin:emails_email_change", args=[request_email.pk]))
    assert "nenhuma ainda" in _replies_section(html.content.decode())


def test_no_replies_for_whoever_may_not_see_the_outbox(client, django_user_model, request_email):
    services.outbound_compose(email=request_email, purpose="ack", body_text="x")
    reader = django_user_model.objects.create_user("leitor", password="x", is_staff=True)
    reader.user_permissions.set(
        Permission.objects.filter(content_type__app_label="emails", codename="view_email")
    )
    client.force_login(reader)
    response = client.get(reverse("admin:emails_email_change", args=[request_email.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Solicitação de acesso ao laboratório" in html  # the page itself is there
    assert "Respostas" not in html


def test_a_defence_lists_the_messages_of_its_case_key(admin_client):
    email = defense_email()
    steps.run_pending()
    defense = DefenseRequest.objects.get(email=email)
    services.outbound_compose(
        email=None,
        case_key=f"defense:{defense.pk}",
        purpose="chamado",
        body_text="chamado",
        to="coordenacao@ppcomp.example",
        subject="Chamado da defesa",
    )
    html = admin_client.get(
        reverse("admin:defesa_defenserequest_change", args=[defense.pk])
    ).content.decode()
    assert "Chamado da defesa" in _replies_section(html)


def test_an_access_request_lists_its_replies(admin_client, request_email):
    access = AccessRequest.objects.create(
        email=request_email,
        student_name="Maria Souza",
        student_email="maria.souza@aluno.ifes.edu.br",
        login="maria.souza",
    )
    services.outbound_compose(
        email=request_email, purpose="credentials", body_text="x", subject="Acesso liberado"
    )
    html = admin_client.get(
        reverse("admin:acesso_accessrequest_change", args=[access.pk])
    ).content.decode()
    assert "Acesso liberado" in _replies_section(html)
