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
