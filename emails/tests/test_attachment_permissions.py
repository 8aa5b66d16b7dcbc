"""An attachment downloads with the same permissions in the admin as in the API: view email
and view attachment (an attachment can hold more than the email's page shows)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.test import APIClient

from emails import services
from testing.mail import make_raw

pytestmark = pytest.mark.django_db


def _staff(django_user_model, name, *codenames):
    user = django_user_model.objects.create_user(name, password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return django_user_model.objects.get(pk=user.pk)


def test_attachment_needs_view_attachment_in_the_admin_and_the_api(client, django_user_model):
    email, _ = services.email_ingest(
        raw=make_raw(subject="Ata", attachments=[("ata.pdf", "application/pdf", b"%PDF-ata")])
    )
    attachment = email.attachments.get()
    admin_url = reverse("admin:emails_email_attachment", args=[email.pk, attachment.pk])
    api_url = reverse("email-attachment", kwargs={"pk": email.pk, "attachment_id": attachment.pk})

    reader = _staff(django_user_model, "leitora", "view_email")
    client.force_login(reader)
    assert client.get(reverse("admin:emails_email_change", args=[email.pk])).status_code == 200
    assert client.get(admin_url).status_code == 403
    api = APIClient()
    api.force_authenticate(reader)
    assert api.get(api_url).status_code == 403

    allowed = _staff(django_user_model, "secretaria", "view_email", "view_attachment")
    client.force_login(allowed)
    response = client.get(admin_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-ata"
    api.force_authenticate(allowed)
    response = api.get(api_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-ata"

    # view attachment alone does not open an email's attachments either
    only_attachment = _staff(django_user_model, "anexos", "view_attachment")
    client.force_login(only_attachment)
    assert client.get(admin_url).status_code == 403


def test_the_original_message_needs_view_attachment_too(client, django_user_model):
    """The .eml holds every attachment: downloading it must not get around "view
    attachment"."""
    email, _ = services.email_ingest(
        raw=make_raw(subject="Ata", attachments=[("ata.pdf", "application/pdf", b"%PDF-ata")])
    )
    admin_url = reverse("admin:emails_email_raw", args=[email.pk])
    api_url = reverse("email-raw", kwargs={"pk": email.pk})
    api = APIClient()

    reader = _staff(django_user_model, "leitora", "view_email")
    client.force_login(reader)
    assert client.get(admin_url).status_code == 403
    api.force_authenticate(reader)
    assert api.get(api_url).status_code == 403

    allowed = _staff(django_user_model, "secretaria", "view_email", "view_attachment")
    client.force_login(allowed)
    response = client.get(admin_url)
    assert response.status_code == 200 and b"%PDF-ata" not in response.content  # base64
    assert b"ata.pdf" in response.content
    api.force_authenticate(allowed)
    assert api.get(api_url).status_code == 200
