"""A generated document needs view generated document in the admin, as in the API."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.test import APIClient

from defesa.models import DefenseRequest
from defesa.tests.factories import COMPLETE, defense_email
from pipeline import steps

pytestmark = pytest.mark.django_db


def test_document_download_needs_view_generateddocument(client, django_user_model):
    defense_email(COMPLETE)
    steps.run_pending()
    defense = DefenseRequest.objects.get()
    document = defense.documents.first()
    admin_url = reverse("admin:defesa_defenserequest_document", args=[defense.pk, document.pk])
    api_url = reverse("defense-document", args=[defense.pk, document.pk])
    user = django_user_model.objects.create_user("leitora", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_defenserequest"))
    client.force_login(user)
    api = APIClient()
    api.force_authenticate(user)
    assert client.get(admin_url).status_code == 403
    assert api.get(api_url).status_code == 403

    user.user_permissions.add(Permission.objects.get(codename="view_generateddocument"))
    user = django_user_model.objects.get(pk=user.pk)
    client.force_login(user)
    api.force_authenticate(user)
    assert client.get(admin_url).status_code == 200
    assert api.get(api_url).status_code == 200
