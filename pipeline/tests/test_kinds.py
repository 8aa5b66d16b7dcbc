"""The kinds of request come from the apps that register them: a new kind gets its admin
action, its label and its place in the API without an edit of emails/."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.test import APIClient

from categorizer.models import TrainingExample
from emails import services as email_services
from emails.models import Email
from pipeline import kinds
from testing.mail import make_raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def test_the_shipped_kinds_come_from_their_apps_in_order():
    assert kinds.kind_codes() == ["defesa", "acesso", "outro"]
    assert [str(label) for _code, label in kinds.kind_choices()] == [
        "Defesa",
        "Acesso aos laboratórios",
        "Outro",
    ]
    assert Email._meta.get_field("kind").flatchoices == kinds.kind_choices()


def test_outro_is_the_pipelines_own_kind_and_stays_last(extra_kind):
    assert kinds.kind_codes() == ["defesa", "acesso", "bolsa", "outro"]
    with pytest.raises(ValueError, match="pipeline's own kind"):
        kinds.unregister_kind("outro")
    with pytest.raises(ValueError, match="1 to 10 characters"):
        kinds.register_kind("bolsa-de-estudos", "Bolsa")


def test_each_kind_has_a_classify_action_labelled_in_portuguese(admin_client):
    email, _ = email_services.email_ingest(raw=make_raw(subject="Pedido qualquer"))
    page = admin_client.get(reverse("admin:emails_email_changelist")).content.decode()
    assert '<option value="classify_defesa">Classificar como “Defesa”</option>' in page
    assert (
        '<option value="classify_acesso">Classificar como “Acesso aos laboratórios”</option>'
        in page
    )
    assert '<option value="classify_outro">Classificar como “Outro”</option>' in page
    assert "classify_bolsa" not in page
    response = admin_client.post(
        reverse("admin:emails_email_changelist"),
        {"action": "classify_outro", "_selected_action": [email.pk]},
        follow=True,
    )
    assert "1 e-mails classificados como “Outro”." in response.content.decode()
    assert Email.objects.get(pk=email.pk).kind == "outro"


def test_a_kind_registered_by_a_new_app_is_an_admin_action(admin_client, extra_kind):
    email, _ = email_services.email_ingest(raw=make_raw(subject="Bolsa de mestrado"))
    url = reverse("admin:emails_email_changelist")
    page = admin_client.get(url).content.decode()
    assert '<option value="classify_bolsa">Classificar como “Bolsa de estudos”</option>' in page
    response = admin_client.post(
        url, {"action": "classify_bolsa", "_selected_action": [email.pk]}, follow=True
    )
    assert "1 e-mails classificados como “Bolsa de estudos”." in response.content.decode()
    email.refresh_from_db()
    assert (email.kind, email.status) == ("bolsa", "received")
    # the classifier learns the new kind from the person, like any other
    assert TrainingExample.objects.get(email=email).label == "bolsa"
    # the list shows it by its label, and filters by it
    listing = admin_client.get(url, {"kind__exact": "bolsa"}).content.decode()
    assert "Bolsa de estudos" in listing and "Bolsa de mestrado" in listing


def test_a_staff_user_without_change_permission_gets_no_classify_action(client, django_user_model):
    viewer = django_user_model.objects.create_user("leitor", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_email"))
    client.force_login(viewer)
    page = client.get(reverse("admin:emails_email_changelist")).content.decode()
    assert "classify_" not in page


def test_the_api_accepts_a_registered_kind_and_refuses_an_unknown_one(api, extra_kind):
    email, _ = email_services.email_ingest(raw=make_raw(subject="Bolsa de doutorado"))
    url = f"/api/emails/{email.pk}/"
    response = api.patch(url, {"kind": "bolsa"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["kind"] == "bolsa"
    assert Email.objects.get(pk=email.pk).kind == "bolsa"
    assert [e["id"] for e in api.get("/api/emails/", {"kind": "bolsa"}).json()["results"]] == [
        email.pk
    ]

    response = api.patch(url, {"kind": "estagio"}, format="json")
    assert response.status_code == 400
    assert "estagio" in response.json()["kind"][0]
    assert Email.objects.get(pk=email.pk).kind == "bolsa"


def test_an_unregistered_kind_is_refused_again(api, extra_kind):
    email, _ = email_services.email_ingest(raw=make_raw(subject="Bolsa"))
    kinds.unregister_kind(extra_kind)
    try:
        response = api.patch(f"/api/emails/{email.pk}/", {"kind": "bolsa"}, format="json")
        assert response.status_code == 400
        assert "bolsa" in response.json()["kind"][0]
    finally:
        kinds.register_kind(extra_kind, "Bolsa de estudos")
