from email.message import EmailMessage

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from categorizer import classifier, selectors, services
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
    assert "Acesso aos laboratórios" in note and "%" in note  # the label, not the code


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


# --- what the classifier reads of a stored email -------------------------------------------


def test_a_reply_is_read_without_its_subject_and_history(db):
    email = _email(
        "Re: Acesso aos computadores",
        "Tudo certo, obrigada!\n\nEm ter., 3 de fev. de 2026 às 11:02, Secretaria "
        "<sec@ifes.edu.br> escreveu:\n> Sua conta foi criada.\n",
        headers={"In-Reply-To": "<thread-1@ifes.edu.br>"},
    )
    assert services.email_document(email).strip() == "Tudo certo, obrigada!"


def test_a_staff_correction_of_a_reply_is_read_as_a_reply(db):
    email = _email(
        "Acesso",
        "ok, obrigado\n\nEm 03/02/2026 11:02, Secretaria <sec@ifes.edu.br> escreveu:\n> x",
        headers={"References": "<thread-2@ifes.edu.br>"},
    )
    TrainingExample.objects.create(
        email=email, subject=email.subject, body=email.body_text, label="outro"
    )
    [(doc, label)] = selectors.correction_examples()
    assert label == "outro" and "escreveu" not in doc and doc == services.email_document(email)


def test_a_message_forwarded_as_attachment_is_read_from_its_text(db):
    inner = EmailMessage()
    inner["Subject"] = "Defesa do Ícaro"
    inner["From"] = "Olga Ventura <olga.ventura@ifes.edu.br>"
    inner["To"] = "coord.ppcomp@ifes.edu.br"
    inner["Date"] = "Tue, 12 May 2026 17:40:02 -0300"
    inner.set_content(
        "O Ícaro Mendonça defende em 9/6 às 15h, sala 110. Banca: eu (orientadora), "
        "Túlio Amaral (Ifes) e Regina Saldanha (UFMG)."
    )
    outer = EmailMessage()
    outer["Subject"] = "Fw: Defesa do Ícaro"
    outer["From"] = "Coordenação <coord.ppcomp@ifes.edu.br>"
    outer["To"] = "ppcomp@ifes.edu.br"
    outer["Message-ID"] = "<fwd-attachment@test.example>"
    outer.set_content("Segue.")
    outer.add_attachment(inner)
    email, _ = email_services.email_ingest(raw=outer.as_bytes())
    assert email.forwarded and "Mensagem encaminhada" in email.body_text
    doc = services.email_document(email)
    assert doc.startswith("Defesa do Ícaro \n O Ícaro Mendonça defende em 9/6")
    assert doc.rstrip().endswith("Segue. \n Defesa do Ícaro")


def test_an_html_only_message_is_read_from_its_html(db):
    raw = (
        b"From: Prof <prof@ifes.edu.br>\r\nTo: ppcomp@ifes.edu.br\r\n"
        b"Subject: Defesa do Caetano\r\nMessage-ID: <html-only@test.example>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><body><p>Boa tarde, secretaria,</p><table><tr><td>Aluno</td>"
        b"<td>Caetano Lyrio</td></tr><tr><td>Sala</td><td>305</td></tr></table>"
        b"<p>Abra&ccedil;o,<br>Nelson</p></body></html>\r\n"
    )
    email, _ = email_services.email_ingest(raw=raw)
    doc = services.email_document(email)
    assert "<" not in doc and "Caetano Lyrio" in doc and "305" in doc and "Abraço" in doc
    assert doc.startswith("Defesa do Caetano \n Boa tarde, secretaria")


FORM = (
    "Prezada secretaria,\n\nNome Completo Aluno: Maria Souza\nTítulo: Detecção de anomalias\n"
    "Data: 15/10/2026\nHorário: 14h\nSala: 207\nOrientador Principal: Prof. João Silva\n"
    "Membro Interno: Ana Lima\nMembro Externo: Carlos Pereira (UFES)\n"
)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (FORM, "received"),  # the defence reader finds the request whole
        ("Nome Completo Aluno: Maria Souza\nTítulo: Detecção de anomalias\n", "needs_review"),
    ],
)
def test_an_unsure_guess_is_routed_when_its_workflow_reads_a_whole_request(
    trained, monkeypatch, body, status
):
    scores = {"defesa": 0.62, "acesso": 0.08, "outro": 0.30}
    monkeypatch.setattr(
        classifier,
        "predict",
        lambda pipeline, docs, *args, **kw: [
            classifier.Prediction("defesa", 0.62, scores) for _ in docs
        ],
    )
    email = _email("Defesa", body)
    services.emails_classify([email.pk])
    email.refresh_from_db()
    assert (email.kind, email.status) == ("defesa", status)
    notes = " ".join(email.status_changes.values_list("note", flat=True))
    assert "Defesa 62%" in notes and "- → Defesa" in notes  # labels, not codes
    assert "defesa" not in notes
