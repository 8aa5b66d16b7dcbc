import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from categorizer import services
from categorizer.models import ClassifierModel
from emails import services as email_services
from emails.models import Email
from testing.mail import make_raw

pytestmark = pytest.mark.django_db


def test_models_api(trained, admin_user):
    api = APIClient()
    assert api.get("/api/categorizer/models/").status_code == 401
    api.force_authenticate(admin_user)
    body = api.get("/api/categorizer/models/").json()
    [model] = body["results"]
    assert model["version"] == trained.version and model["active"]
    assert model["metrics"]["per_class"]["acesso"]["f1"] > 0.9
    assert "pipeline" not in model


def test_model_admin_shows_metrics_and_activates(admin_client, trained):
    older = trained
    newer = services.model_train(force=True).model
    page = admin_client.get(
        reverse("admin:categorizer_classifiermodel_change", args=[newer.pk])
    ).content.decode()
    assert "Matriz de confusão" in page or "matriz de confusão" in page
    assert "defesa" in page and "acesso" in page and "outro" in page
    admin_client.post(
        reverse("admin:categorizer_classifiermodel_changelist"),
        {"action": "activate", "_selected_action": [older.pk]},
    )
    assert ClassifierModel.objects.get(active=True).pk == older.pk


def test_email_admin_shows_guesses_and_classify_action(admin_client, trained, settings):
    settings.MAILFLOW_CLASSIFIER_THRESHOLD = 1.01
    email, _ = email_services.email_ingest(
        raw=make_raw(subject="Acesso ao laboratório", body="Preciso de login nas máquinas.")
    )
    services.emails_classify([email.pk])
    page = admin_client.get(reverse("admin:emails_email_change", args=[email.pk])).content.decode()
    assert "Acesso aos laboratórios: " in page  # the best guess with its probability
    listing = admin_client.get(
        reverse("admin:emails_email_changelist"), {"status__exact": "needs_review"}
    ).content.decode()
    assert "Acesso ao laboratório" in listing
    admin_client.post(
        reverse("admin:emails_email_changelist"),
        {"action": "classify_acesso", "_selected_action": [email.pk]},
    )
    email.refresh_from_db()
    assert (email.kind, email.status) == ("acesso", "received")
    assert Email.objects.get(pk=email.pk).training_example.label == "acesso"


def test_train_command(trained, capsys):
    call_command("train_categorizer")
    out = capsys.readouterr().out
    assert "held-out macro-F1" in out and "confusion" in out
    assert "activated" in out
