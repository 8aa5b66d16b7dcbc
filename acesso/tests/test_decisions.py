"""Reading the coordinator's answer: strictly, by its first non-quoted line."""

import pytest

from acesso import decisions

QUOTE = "\n\nEm seg., 3 de mar. de 2025 às 10:12, Secretaria escreveu:\n> Autorizado\n"
SIGNATURE = "\n--\nProfa. Dra. Coordenadora\nCoordenação do PPComp"


@pytest.mark.parametrize(
    "body",
    [
        "Autorizado",
        "Autorizado.",
        "AUTORIZADO!",
        "autorizada",
        "  Autorizado. " + SIGNATURE,
        "\n\nAutorizado" + SIGNATURE + QUOTE,
        "Autorizado\u00a0!!",
        "Autorizado…",
        # bottom posting: the quote first, the answer under it
        "Em seg., 3 de mar. de 2025 às 10:12, Secretaria escreveu:\n> Pedido...\n\nAutorizado.",
    ],
)
def test_authorised(body):
    assert decisions.read_answer(body).decision == decisions.APPROVE


@pytest.mark.parametrize(
    "body",
    [
        "Autorizado?",
        "Autorizado? Qual é o nome dela?",
        "Autorizado, mas só depois da matrícula.",
        "Autorizada somente após a matrícula",
        "autorizado, obrigado",
        "Não autorizado.",
        "Sim, autorizado.",
        "Autorizadooo",
        "Autorizado 👍",
        "Autori\u200bzado",
        "Negado:",
        "Negado: " + QUOTE,
        "Negativo: sem vínculo",
        "",
        QUOTE,
        "> Autorizado",
        "Pode ser, depois vejo.",
    ],
)
def test_anything_else_is_unclear(body):
    verdict = decisions.read_answer(body)
    assert verdict.decision == ""
    assert verdict.note


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("Negado: sem vínculo", "sem vínculo"),
        ("NEGADA: sem vínculo com o programa." + SIGNATURE, "sem vínculo com o programa."),
        ("Negádo - laboratório em manutenção" + QUOTE, "laboratório em manutenção"),
        ("negado:\nA aluna não está matriculada.\n\nAtt.", "A aluna não está matriculada."),
        ("Negado: motivo: dois pontos", "motivo: dois pontos"),
    ],
)
def test_denied_with_the_reason(body, reason):
    verdict = decisions.read_answer(body)
    assert (verdict.decision, verdict.reason) == (decisions.DENY, reason)


def test_the_note_quotes_the_first_line():
    note = decisions.read_answer("Autorizada somente após a matrícula\n\nAtt.").note
    assert "Autorizada somente após a matrícula" in note
    assert len(decisions.read_answer("x" * 5000).note) < 400


# --- which answers count (the checks before the text) ---------------------------------

KEY = "access:7:authorisation_request"


def _email(asked: str, *, top: str = "", in_reply_to: str | None = None, body="Autorizado"):
    from types import SimpleNamespace

    headers = top + "From: Coordenação <coordenacao@ifes.edu.br>\r\n"
    headers += f"In-Reply-To: {in_reply_to if in_reply_to is not None else f'<{asked}>'}\r\n"
    raw = (headers + "Subject: Re: x\r\n\r\n" + body + "\r\n").encode()
    return SimpleNamespace(raw=raw, from_address="coordenacao@ifes.edu.br", body_text=body)


@pytest.fixture
def asked(settings):
    from mailflow import tokens

    settings.MAILFLOW_COORDINATOR_EMAIL = "Coordenacao@ifes.edu.br"
    settings.MAILFLOW_AUTHSERV_ID = ""
    return tokens.message_id(domain="ifes.edu.br", signed_for=KEY)


def _read(email, asked):
    return decisions.read(email=email, asked_message_id=asked, signed_for=KEY)


def test_a_direct_signed_reply_from_the_coordinator_counts(asked):
    assert _read(_email(asked), asked).decision == decisions.APPROVE


@pytest.mark.parametrize(
    ("top", "in_reply_to", "why"),
    [
        (
            "From: outra@ifes.edu.br\r\n",
            None,
            "não veio do endereço da coordenação",
        ),  # two From headers
        ("", "<{asked}>\r\nIn-Reply-To: <{asked}>", "não responde diretamente"),  # two headers
        ("", "<{asked}> (a comment)", "não responde diretamente"),
        ("", "", "não responde diretamente"),
        ("", "{asked}", "não responde diretamente"),  # without angle brackets
    ],
)
def test_what_does_not_count(asked, top, in_reply_to, why):
    email = _email(
        asked, top=top, in_reply_to=None if in_reply_to is None else in_reply_to.format(asked=asked)
    )
    assert why in _read(email, asked).note


def test_without_a_key_nothing_counts(asked, settings):
    settings.MAILFLOW_DECISION_KEY = ""
    assert "MAILFLOW_DECISION_KEY" in _read(_email(asked), asked).note


def test_the_token_is_for_this_request_only(asked):
    from mailflow import tokens

    other = tokens.message_id(domain="ifes.edu.br", signed_for="access:8:authorisation_request")
    # a reply to request 8's question, read as an answer for request 7: no
    assert "o código do pedido" in _read(_email(other), other).note
