"""An outgoing message's attachment needs view attachment, as an email's does."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from sender import services

pytestmark = pytest.mark.django_db


def test_outbox_attachment_needs_view_outboundattachment(client, request_email, django_user_model):
    message = services.outbound_compose(
        email=request_email,
        purpose="documents",
        body_text="Seguem os documentos.",
        attachments=[("ata.pdf", "application/pdf", b"%PDF-ata")],
    )
    [attachment] = message.attachments.all()
    url = reverse("admin:sender_outboundmessage_attachment", args=[message.pk, attachment.pk])
    user = django_user_model.objects.create_user("leitora", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_outboundmessage"))
    client.force_login(user)
    page = client.get(reverse("admin:sender_outboundmessage_change", args=[message.pk]))
    assert page.status_code == 200
    assert client.get(url).status_code == 403

    user.user_permissions.add(Permission.objects.get(codename="view_outboundattachment"))
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-ata"
