"""The model on the shipped data and on hand-written cases."""

import pytest

from categorizer import classifier, services
from categorizer.tests.test_text import LONG_EMAIL
from categorizer.text import document
from emails import services as email_services
from pipeline import kinds
from testing.mail import make_raw

pytestmark = pytest.mark.django_db


def test_shipped_data_is_big_and_balanced_enough():
    examples = services.shipped_examples()
    assert len(examples) >= 600
    labels = [label for _doc, label in examples]
    for label in kinds.kind_codes():
        assert labels.count(label) >= 150


def test_held_out_macro_f1(trained):
    assert trained.holdout_macro_f1 >= 0.95, trained.metrics
    assert trained.metrics["cv_macro_f1_mean"] >= 0.9
    assert set(trained.metrics["per_class"]) == {"defesa", "acesso", "outro"}
    assert len(trained.metrics["confusion_matrix"]) == 3
    assert trained.active


def _predict(subject, body, original_subject="", forwarded=False):
    pipeline = services.active_pipeline()
    [prediction] = classifier.predict(
        pipeline, [document(subject, body, original_subject, forwarded)]
    )
    return prediction.kind


@pytest.mark.parametrize(
    ("subject", "body", "kind"),
    [
        (
            "Solicitação de acesso ao laboratório",
            "Olá, sou aluno novo do mestrado e preciso de usuário e senha nos computadores do "
            "laboratório. Matrícula 20251MPCA0012.",
            "acesso",
        ),
        (
            "Solicitacao de acesso ao laboratorio",
            "ola, sou aluno novo e preciso de usuario e senha nos computadores do laboratorio",
            "acesso",
        ),
        (
            "Defesa de dissertação",
            "Prezada secretaria, solicito o agendamento da defesa.\nNome Completo Aluno: Ana "
            "Lima\nTítulo: Detecção de anomalias em redes\nData: 15/10/2025\nHorário: 14:00h\n"
            "Sala: 207\nOrientador Principal: Prof. Dr. Carlos Souza\nMembro Interno: Profª. "
            "Drª. Maria Alves\nMembro Externo: Prof. Dr. João Pereira (UFES)",
            "defesa",
        ),
        (
            "defesa dissertacao",
            "prezados, a defesa do meu orientando sera dia 3 de novembro as 9h, banca: eu "
            "(presidente), prof. marcos (ifes) e prof. lucia (ufes)",
            "defesa",
        ),
        (
            "RES: Re: Fwd: ENC: acesso ao laboratório",
            "Reforçando o pedido: o aluno ainda não tem login nas máquinas do laboratório.",
            "acesso",
        ),
        (
            "Seminário de pesquisa: sala 207 às 14h",
            "Convidamos todos para o seminário semanal do programa. Banca de avaliação dos "
            "pôsteres, acesso livre, laboratório aberto para visitação.",
            "outro",
        ),
    ],
)
def test_hand_written_cases(trained, subject, body, kind):
    assert _predict(subject, body) == kind


def test_forward_with_empty_outer_subject(trained):
    body = (
        "---------- Forwarded message ---------\nFrom: Pedro Alves <pedro@aluno.ifes.edu.br>\n"
        "Date: Mon, Mar 3, 2025 at 10:12 AM\nSubject: Acesso aos computadores do lab\n"
        "To: <coordenacao@ifes.edu.br>\n\nBoa tarde, professor. Ainda não tenho conta nos "
        "computadores do laboratório, poderia solicitar a criação do meu usuário?"
    )
    email, _ = email_services.email_ingest(raw=make_raw(subject="", body=body))
    assert email.forwarded and email.original_subject == "Acesso aos computadores do lab"
    assert _predict(email.subject, email.body_text, email.original_subject, True) == "acesso"


def test_rfc2047_subject_is_decoded_before_classifying(trained):
    raw = (
        b"From: Prof <prof@ifes.edu.br>\r\nTo: sec@ifes.edu.br\r\n"
        b"Subject: =?iso-8859-1?Q?Agendamento_de_defesa_de_disserta=E7=E3o?=\r\n"
        b"Message-ID: <enc-1@x>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Segue a banca: orientador Prof. Dr. Carlos; membro externo Dra. Ana (UFES).\r\n"
    )
    email, _ = email_services.email_ingest(raw=raw)
    assert email.subject == "Agendamento de defesa de dissertação"
    services.emails_classify([email.pk])
    email.refresh_from_db()
    assert email.kind == "defesa"


def test_outro_full_of_request_words(trained):
    kind = _predict(
        "Sua conta será desativada",
        "Prezado usuário, seu acesso ao e-mail e ao laboratório será bloqueado. Clique no link "
        "e informe login e senha para validar sua conta imediatamente.",
    )
    assert kind == "outro"


def test_a_request_in_the_middle_of_a_long_email_is_found(trained):
    body = LONG_EMAIL
    email, _ = email_services.email_ingest(raw=make_raw(subject="Várias dúvidas", body=body))
    services.emails_classify([email.pk])
    email.refresh_from_db()
    assert email.kind == "acesso"


def _fixed(monkeypatch, whole, parts):
    """classifier._predict answering `whole` for the documents, `parts` for passages."""

    def fake(pipeline, docs):
        return [whole if doc == "doc" else parts[doc] for doc in docs]

    monkeypatch.setattr(classifier, "_predict", fake)


def _p(kind, confidence):
    return classifier.Prediction(kind, confidence, {kind: confidence})


def test_a_sure_request_passage_overturns_a_sure_outro(monkeypatch):
    _fixed(monkeypatch, _p("outro", 0.95), {"a": _p("outro", 0.99), "b": _p("acesso", 0.97)})
    [found] = classifier.predict(None, ["doc"], [["a", "b"]])
    assert (found.kind, found.confidence) == ("acesso", 0.97)


def test_a_sure_request_passage_overturns_an_unsure_outro(monkeypatch):
    # the other matters of a long email make the whole unsure; "outro" would leave the
    # request unanswered
    _fixed(monkeypatch, _p("outro", 0.6), {"a": _p("defesa", 0.99)})
    [found] = classifier.predict(None, ["doc"], [["a"]])
    assert (found.kind, found.confidence) == ("defesa", 0.99)


def test_an_unsure_passage_or_a_request_whole_is_left_alone(monkeypatch):
    _fixed(monkeypatch, _p("outro", 0.95), {"a": _p("defesa", 0.85)})
    assert classifier.predict(None, ["doc"], [["a"]])[0].kind == "outro"
    _fixed(monkeypatch, _p("acesso", 0.6), {"a": _p("defesa", 0.99)})
    assert classifier.predict(None, ["doc"], [["a"]])[0].kind == "acesso"
