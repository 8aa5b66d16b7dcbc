import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from categorizer import classifier, services
from categorizer.models import ClassifierModel, TrainingExample
from emails import services as email_services
from pipeline import steps
from testing.mail import make_raw

pytestmark = pytest.mark.django_db

ACCESS = (
    "Solicitação de acesso ao laboratório",
    "Olá, preciso de login e senha nos computadores do laboratório para o mestrado.",
)


def _email(subject=ACCESS[0], body=ACCESS[1], **kwargs):
    email, _ = email_services.email_ingest(raw=make_raw(subject=subject, body=body, **kwargs))
    return email


def test_confident_request_is_routed(trained):
    email = _email()
    services.emails_classify([email.pk])
    email.refresh_from_db()
    assert email.kind == "acesso"
    assert email.kind_confidence >= 0.8
    assert email.status == "received"  # waits for the acesso workflow
    assert set(email.kind_scores) == {"defesa", "acesso", "outro"}


def test_outro_is_kept_and_ignored(trained):
    email = _email("Newsletter da biblioteca", "Confira os novos livros do acervo deste mês.")
    services.emails_classify([email.pk])
    email.refresh_from_db()
    assert email.kind == "outro" and email.status == "ignored"


def test_low_confidence_waits_for_a_person(trained, settings):
    settings.MAILFLOW_CLASSIFIER_THRESHOLD = 1.01  # nothing is sure enough
    email = _email()
    services.emails_classify([email.pk])
    email.refresh_from_db()
    assert email.status == "needs_review"
    note = email.status_changes.last().note
    assert "acesso" in note and "%" in note


def test_automatic_mail_skips_the_model(trained, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("the model must not be called")

    monkeypatch.setattr(classifier, "predict", boom)
    email = _email(headers={"Auto-Submitted": "auto-replied"})
    services.emails_classify([email.pk])
    email.refresh_from_db()
    assert (email.kind, email.status) == ("outro", "ignored")


def test_reply_in_a_case_takes_the_case_kind(trained, monkeypatch):
    from sender import services as outbox

    request = _email()
    services.emails_classify([request.pk])
    ours = outbox.outbound_compose(email=request, purpose="form_request", body_text="x")
    monkeypatch.setattr(classifier, "predict", lambda *a, **k: 1 / 0)
    reply = _email(
        "Re: assunto qualquer", "ok, obrigado", headers={"In-Reply-To": f"<{ours.message_id}>"}
    )
    services.emails_classify([reply.pk])
    reply.refresh_from_db()
    assert reply.case_id == request.pk and reply.kind == "acesso"


def test_classification_is_a_step_run_by_process_pending(trained):
    email = _email()
    totals = steps.run_pending()
    assert totals.get("classify") == 1
    email.refresh_from_db()
    assert email.kind == "acesso"
    assert steps.run_pending() == {}


def test_first_use_trains_a_model(db):
    assert not ClassifierModel.objects.exists()
    email = _email()
    services.emails_classify([email.pk])
    assert ClassifierModel.objects.filter(active=True).count() == 1


def test_correction_through_the_api_teaches_and_routes(trained, settings):
    settings.MAILFLOW_CLASSIFIER_THRESHOLD = 1.01
    email = _email()
    services.emails_classify([email.pk])
    staff = get_user_model().objects.create_user("sec", password="x", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["view_email", "change_email"])
    )
    api = APIClient()
    api.force_authenticate(staff)
    response = api.patch(f"/api/emails/{email.pk}/", {"kind": "defesa"}, format="json")
    assert response.status_code == 200
    email.refresh_from_db()
    assert email.kind == "defesa" and email.status == "received"
    example = TrainingExample.objects.get(email=email)
    assert (example.label, example.predicted, example.is_correction) == ("defesa", "acesso", True)
    assert example.created_by == staff
    # the correction is part of the next training run
    result = services.model_train(force=True)
    assert result.model.corrections == 1
    assert result.model.examples == trained.examples + 1


def test_correcting_to_outro_ignores_the_email(trained, admin_user):
    email = _email()
    services.emails_classify([email.pk])
    email_services.email_set_kind(email=email, kind="outro", confidence=1.0, actor=admin_user)
    email.refresh_from_db()
    assert email.status == "ignored"
    email_services.email_set_kind(email=email, kind="acesso", confidence=1.0, actor=admin_user)
    email.refresh_from_db()
    assert email.status == "received"
    assert TrainingExample.objects.get(email=email).label == "acesso"


def test_a_worse_model_is_not_activated(trained, monkeypatch):
    real = classifier.train

    def worse(docs, labels):
        result = real(docs, labels)
        result.holdout_macro_f1 = trained.holdout_macro_f1 - 0.1
        return result

    monkeypatch.setattr(classifier, "train", worse)
    services._trained.clear()
    result = services.model_train()
    assert not result.activated and "pior" in result.reason  # pt-BR: "worse"
    assert ClassifierModel.objects.get(active=True).pk == trained.pk
    forced = services.model_train(force=True)
    assert forced.activated
    assert ClassifierModel.objects.get(active=True).pk == forced.model.pk
    services._trained.clear()


def test_active_model_is_reloaded_when_another_becomes_active(trained):
    first = services.active_pipeline()
    assert services.active_pipeline() is first  # cached
    second = services.model_train(force=True).model
    assert second.active
    assert services.active_pipeline() is not first
