"""Forward detection on messages written the way each mail client writes them."""

from __future__ import annotations

import quopri
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from emails.forwards import find_forward, has_forward_prefix, parse_forward_date, split_sender
from emails.parsing import ParsedEmail, parse_email
from emails.tests.corpus import multipart, part, raw_message, standard_headers

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
MARCH_3 = datetime(2025, 3, 3, 10, 12, tzinfo=SAO_PAULO)
PROFESSOR = "Prof. Carlos Alberto <carlos.alberto@ifes.edu.br>"
STUDENT_NAME = "Maria Souza"
STUDENT = "maria.souza@aluno.ifes.edu.br"
ORIGINAL_BODY = (
    "Prezado professor,\n\nSeguem os dados da defesa.\n\n"
    "Nome Completo Aluno: Maria Souza\nTítulo: Classificação de e-mails\n"
)


def plain_mail(subject: str, text: str) -> bytes:
    """A text/plain message in quoted-printable, as Gmail and Outlook send them."""
    return raw_message(
        standard_headers(
            subject,
            sender=PROFESSOR,
            message_id="<fwd-test@mail.gmail.com>",
            encoding="quoted-printable",
        ),
        quopri.encodestring(text.encode("utf-8")),
    )


def parsed_plain(subject: str, text: str) -> ParsedEmail:
    return parse_email(plain_mail(subject, text))


def assert_original(
    result: ParsedEmail,
    *,
    name: str = STUDENT_NAME,
    address: str = STUDENT,
    subject: str = "Dados da defesa de mestrado",
    date: datetime | None = MARCH_3,
) -> None:
    assert result.forwarded is True
    assert result.original_from_name == name
    assert result.original_from_address == address
    assert result.original_subject == subject
    assert result.original_date == date
    if date is not None:
        assert result.original_date.utcoffset() == timedelta(hours=-3)


def assert_not_forward(result: ParsedEmail) -> None:
    assert result.forwarded is False
    assert result.original_from_name == ""
    assert result.original_from_address == ""
    assert result.original_subject == ""
    assert result.original_date is None


# -- Gmail -------------------------------------------------------------------------------------


def test_gmail_english():
    result = parsed_plain(
        "Fwd: Dados da defesa de mestrado",
        "Segue a solicitação da aluna.\n\n"
        "---------- Forwarded message ---------\n"
        f"From: {STUDENT_NAME} <{STUDENT}>\n"
        "Date: Mon, Mar 3, 2025 at 10:12\u202fAM\n"
        "Subject: Dados da defesa de mestrado\n"
        f"To: {PROFESSOR}\n\n\n" + ORIGINAL_BODY,
    )
    assert_original(result)
    assert "Nome Completo Aluno: Maria Souza" in result.body_text


def test_gmail_portuguese_with_english_labels():
    # Gmail in pt-BR translates only the sender label.
    result = parsed_plain(
        "Fwd: Dados da defesa de mestrado",
        "---------- Mensagem encaminhada ---------\n"
        f"De: {STUDENT_NAME} <{STUDENT}>\n"
        "Date: seg., 3 de mar. de 2025 às 10:12\n"
        "Subject: Dados da defesa de mestrado\n"
        "To: <carlos.alberto@ifes.edu.br>\n\n\n" + ORIGINAL_BODY,
    )
    assert_original(result)


def test_gmail_portuguese_sender_in_asterisks():
    result = parsed_plain(
        "Fwd: Dados da defesa de mestrado",
        "Encaminho.\n\n"
        "---------- Mensagem encaminhada ---------\n"
        f"De: *{STUDENT_NAME}* <{STUDENT}>\n"
        "Date: seg., 3 de mar. de 2025 às 10:12\n"
        "Subject: Dados da defesa de mestrado\n"
        "To: <carlos.alberto@ifes.edu.br>\n\n" + ORIGINAL_BODY,
    )
    assert_original(result)


def test_gmail_portuguese_labels_in_asterisks():
    result = parsed_plain(
        "Fwd: Dados da defesa de mestrado",
        "---------- Mensagem encaminhada ---------\n"
        f"*De:* {STUDENT_NAME} <{STUDENT}>\n"
        "*Data:* seg., 3 de mar. de 2025 às 10:12\n"
        "*Assunto:* Dados da defesa de mestrado\n"
        "*Para:* Carlos Alberto <carlos.alberto@ifes.edu.br>\n\n" + ORIGINAL_BODY,
    )
    assert_original(result)


def test_gmail_html_only_forward():
    html = (
        '<div dir="ltr">Segue a solicitação.<br><br>'
        '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
        "---------- Forwarded message ---------<br>"
        f'From: <strong class="gmail_sendername" dir="auto">{STUDENT_NAME}</strong> '
        f'<span dir="auto">&lt;<a href="mailto:{STUDENT}">{STUDENT}</a>&gt;</span><br>'
        "Date: Mon, Mar 3, 2025 at 10:12 AM<br>"
        "Subject: Dados da defesa de mestrado<br>"
        'To: &lt;<a href="mailto:carlos.alberto@ifes.edu.br">carlos.alberto@ifes.edu.br</a>&gt;'
        "<br></div><br><br>"
        '<div dir="ltr"><table><tr><td>Nome Completo Aluno:</td><td>Maria Souza</td></tr>'
        "</table></div></div></div>"
    )
    raw = raw_message(
        standard_headers(
            "Fwd: Dados da defesa de mestrado",
            sender=PROFESSOR,
            content_type="text/html; charset=UTF-8",
        ),
        html,
    )
    result = parse_email(raw)
    assert_original(result)
    assert "Nome Completo Aluno: Maria Souza" in result.body_text


def test_forward_of_a_forward_uses_the_topmost_block():
    result = parsed_plain(
        "Fwd: Fwd: Dados da defesa de mestrado",
        "---------- Forwarded message ---------\n"
        f"From: {STUDENT_NAME} <{STUDENT}>\n"
        "Date: Mon, Mar 3, 2025 at 10:12 AM\n"
        "Subject: Dados da defesa de mestrado\n"
        "To: <carlos.alberto@ifes.edu.br>\n\n"
        "---------- Forwarded message ---------\n"
        "From: Ana Lima <ana.lima@ufes.br>\n"
        "Date: Sun, Mar 2, 2025 at 9:00 AM\n"
        "Subject: Primeira versão\n"
        "To: <maria.souza@aluno.ifes.edu.br>\n\n" + ORIGINAL_BODY,
    )
    assert_original(result)


# -- Outlook -----------------------------------------------------------------------------------

OUTLOOK_PT_BLOCK = (
    "________________________________\n"
    f"De: {STUDENT_NAME} <{STUDENT}>\n"
    "Enviado: segunda-feira, 3 de março de 2025 10:12\n"
    "Para: Coordenação PPComp <coordenacao.ppcomp@ifes.edu.br>\n"
    "Assunto: Dados da defesa de mestrado\n\n"
)


def test_outlook_portuguese():
    result = parsed_plain(
        "ENC: Dados da defesa de mestrado",
        "Prezada secretaria, segue abaixo.\n\n" + OUTLOOK_PT_BLOCK + ORIGINAL_BODY,
    )
    assert_original(result)


def test_outlook_portuguese_mailto_and_enviada_em():
    result = parsed_plain(
        "Enc: Dados da defesa de mestrado",
        "Segue.\n\n"
        "-----Mensagem original-----\n"
        f"De: {STUDENT_NAME} [mailto:{STUDENT}]\n"
        "Enviada em: segunda-feira, 3 de março de 2025 10:12\n"
        "Para: Coordenação PPComp\n"
        "Assunto: Dados da defesa de mestrado\n\n" + ORIGINAL_BODY,
    )
    assert_original(result)


def test_outlook_portuguese_bare_block_with_name_only():
    # Outlook for Windows, plain text: no separator line, the sender written as a name.
    result = parsed_plain(
        "TR: Dados da defesa de mestrado",
        "Segue.\n\n"
        f"De: {STUDENT_NAME}\n"
        "Enviado: segunda-feira, 3 de março de 2025 10:12\n"
        "Para: Coordenação PPComp\n"
        "Assunto: Dados da defesa de mestrado\n\n" + ORIGINAL_BODY,
    )
    assert_original(result, address="")


def test_outlook_english_original_message():
    result = parsed_plain(
        "FW: Lab access request",
        "Please see below.\n\n"
        "-----Original Message-----\n"
        f"From: {STUDENT_NAME} <{STUDENT}>\n"
        "Sent: Monday, March 3, 2025 10:12 AM\n"
        "To: Coordenação PPComp <coordenacao.ppcomp@ifes.edu.br>\n"
        "Subject: Lab access request\n\n"
        "I would like an account on the lab computers.\n",
    )
    assert_original(result, subject="Lab access request")


def test_outlook_english_block_under_a_line_of_underscores():
    # Outlook (new and web) forwarding in English: a rule line, then From/Sent/To/Subject.
    result = parsed_plain(
        "FW: Lab access request",
        "See below, regards.\n\n"
        "________________________________\n"
        f"From: {STUDENT_NAME} <{STUDENT}>\n"
        "Sent: Monday, March 3, 2025 10:12 AM\n"
        "To: Coordenação PPComp <coordenacao.ppcomp@ifes.edu.br>\n"
        "Subject: Re: Lab access request\n\n"
        "I would like an account on the lab computers.\n",
    )
    assert_original(result, subject="Re: Lab access request")


def test_outlook_block_is_a_reply_without_forward_prefix():
    result = parsed_plain(
        "RE: Dados da defesa de mestrado",
        "Recebido, obrigado.\n\n" + OUTLOOK_PT_BLOCK + ORIGINAL_BODY,
    )
    assert_not_forward(result)


# -- Thunderbird ---------------------------------------------------------------------------------


def test_thunderbird_portuguese():
    result = parsed_plain(
        "Fwd: Dados da defesa de mestrado",
        "Encaminhando.\n\n\n"
        "-------- Mensagem encaminhada --------\n"
        "Assunto: \tDados da defesa de mestrado\n"
        "Data: \tMon, 3 Mar 2025 10:12:00 -0300\n"
        f"De: \t{STUDENT_NAME} <{STUDENT}>\n"
        "Para: \tcarlos.alberto@ifes.edu.br\n\n\n\n" + ORIGINAL_BODY,
    )
    assert_original(result)


def test_thunderbird_english():
    result = parsed_plain(
        "Fwd: Dados da defesa de mestrado",
        "-------- Forwarded Message --------\n"
        "Subject: \tDados da defesa de mestrado\n"
        "Date: \tMon, 3 Mar 2025 10:12:00 -0300\n"
        f"From: \t{STUDENT_NAME} <{STUDENT}>\n"
        "Reply-To: \tmaria@gmail.com\n"
        "To: \tcarlos.alberto@ifes.edu.br\n\n" + ORIGINAL_BODY,
    )
    assert_original(result)


# -- Apple Mail ----------------------------------------------------------------------------------


def test_apple_mail_portuguese():
    result = parsed_plain(
        "Fwd: Dados da defesa de mestrado",
        "Segue.\n\nInício da mensagem encaminhada:\n\n"
        f"De: {STUDENT_NAME} <{STUDENT}>\n"
        "Assunto: Dados da defesa de mestrado\n"
        "Data: 3 de março de 2025 10:12:00 BRT\n"
        "Para: carlos.alberto@ifes.edu.br\n\n" + ORIGINAL_BODY,
    )
    assert_original(result)


def test_apple_mail_english_quoted_headers():
    result = parsed_plain(
        "Fwd: Dados da defesa de mestrado",
        "Begin forwarded message:\n\n"
        f"> From: {STUDENT_NAME} <{STUDENT}>\n"
        "> Subject: Dados da defesa de mestrado\n"
        "> Date: March 3, 2025 at 10:12:00 AM GMT-3\n"
        "> To: carlos.alberto@ifes.edu.br\n"
        "> \n"
        "> Prezado professor,\n",
    )
    assert_original(result)


# -- forwarded as an attachment ------------------------------------------------------------------


def test_rfc822_attachment_is_a_forward():
    original = raw_message(
        standard_headers(
            "Dados da defesa de mestrado",
            sender=f"{STUDENT_NAME} <{STUDENT}>",
            message_id="<original@aluno.ifes.edu.br>",
        ),
        ORIGINAL_BODY,
    )
    raw = raw_message(
        standard_headers(
            "ENC: Dados da defesa de mestrado",
            sender=PROFESSOR,
            content_type='multipart/mixed; boundary="fwd"',
            encoding=None,
        ),
        multipart(
            "fwd",
            [
                part("text/plain; charset=utf-8", "Segue a mensagem da aluna em anexo."),
                b"Content-Type: message/rfc822\nContent-Disposition: attachment\n\n"
                + original.replace(b"\r\n", b"\n"),
            ],
        ),
    )
    result = parse_email(raw)
    assert_original(result)
    (attachment,) = result.attachments
    assert attachment.filename == "Dados da defesa de mestrado.eml"
    assert parse_email(attachment.payload).message_id == "original@aluno.ifes.edu.br"
    # the attached message is the content: its text follows the note as a forward block,
    # which reads back as the same forward
    note, block = result.body_text.split("\n\n", 1)
    assert note == "Segue a mensagem da aluna em anexo."
    assert block.startswith("---------- Mensagem encaminhada ---------\n")
    assert f"De: {STUDENT_NAME} <{STUDENT}>\n" in block
    assert "Assunto: Dados da defesa de mestrado\n" in block
    assert block.rstrip().endswith(ORIGINAL_BODY.strip())
    inline = find_forward(result.body_text, "ENC: Dados da defesa de mestrado")
    assert (inline.from_address, inline.subject) == (STUDENT, "Dados da defesa de mestrado")


def test_rfc822_attachment_of_html_only_mail_is_read_as_text():
    original = raw_message(
        standard_headers(
            "Acesso ao laboratório",
            sender=f"{STUDENT_NAME} <{STUDENT}>",
            content_type="text/html; charset=utf-8",
        ),
        "<div>Preciso de <b>acesso</b> aos computadores do laboratório.</div>",
    )
    raw = raw_message(
        standard_headers(
            "Fwd: Acesso ao laboratório",
            sender=PROFESSOR,
            content_type='multipart/mixed; boundary="fwd"',
            encoding=None,
        ),
        multipart(
            "fwd",
            [
                part("text/plain; charset=utf-8", "Segue."),
                b"Content-Type: message/rfc822\n\n" + original.replace(b"\r\n", b"\n"),
            ],
        ),
    )
    result = parse_email(raw)
    assert result.body_text.startswith("Segue.\n\n---------- Mensagem encaminhada")
    assert "Preciso de acesso aos computadores do laboratório." in result.body_text
    assert "<b>" not in result.body_text


# -- not forwards --------------------------------------------------------------------------------


def test_quoted_reply_in_portuguese_is_not_a_forward():
    result = parsed_plain(
        "Re: Dados da defesa de mestrado",
        "Obrigada, professor.\n\n"
        f"Em seg., 3 de mar. de 2025 às 10:12, {STUDENT_NAME} <{STUDENT}> escreveu:\n\n"
        "> Prezado professor,\n> seguem os dados.\n",
    )
    assert_not_forward(result)


def test_quoted_reply_in_english_with_a_forward_inside_is_not_a_forward():
    result = parsed_plain(
        "Re: Fwd: Dados da defesa de mestrado",
        "Thanks.\n\n"
        f"On Mon, Mar 3, 2025 at 10:12 AM {STUDENT_NAME} <\n{STUDENT}> wrote:\n\n"
        "> ---------- Forwarded message ---------\n"
        "> From: Ana Lima <ana.lima@ufes.br>\n"
        "> Subject: Dados\n",
    )
    assert_not_forward(result)


def test_direct_mail_has_empty_originals():
    result = parsed_plain(
        "Solicitação de acesso ao laboratório",
        "Prezados,\n\nDe: Maria, aluna do mestrado.\nGostaria de uma conta.\n",
    )
    assert_not_forward(result)


def test_signature_dashes_are_no_forward():
    result = parsed_plain("Fwd: assunto", "Texto.\n\n-- \nProf. Carlos\n---\n")
    assert_not_forward(result)


# -- the helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon, Mar 3, 2025 at 10:12 AM", MARCH_3),
        ("Mon, Mar 3, 2025 at 10:12\u202fPM", MARCH_3 + timedelta(hours=12)),
        ("seg., 3 de mar. de 2025 às 10:12", MARCH_3),
        ("segunda-feira, 3 de março de 2025 10:12", MARCH_3),
        ("Monday, March 3, 2025 10:12 AM", MARCH_3),
        ("3 de março de 2025 10:12:00 BRT", MARCH_3),
        ("March 3, 2025 at 10:12:00 AM GMT-3", MARCH_3),
        ("Mon, 3 Mar 2025 10:12:00 -0300", MARCH_3),
        ("Mon, 3 Mar 2025 13:12:00 +0000", MARCH_3),
        ("03/03/2025 10:12", MARCH_3),
        (
            "3 March 2025 at 14:12 CET",
            datetime(2025, 3, 3, 14, 12, tzinfo=timezone(timedelta(hours=1))),
        ),
    ],
)
def test_parse_forward_date(text, expected):
    parsed = parse_forward_date(text)
    assert parsed == expected
    assert parsed.utcoffset() is not None


@pytest.mark.parametrize(
    "text", ["", "ontem", "31 de fevereiro de 2025 10:00", "Mon, 99 Foo 2025", "12:00", "*"]
)
def test_unreadable_forward_dates_are_none(text):
    assert parse_forward_date(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Maria Souza <Maria.Souza@Aluno.ifes.edu.br>", ("Maria Souza", STUDENT)),
        ("*Maria Souza* <maria.souza@aluno.ifes.edu.br>", ("Maria Souza", STUDENT)),
        ("Maria Souza [mailto:maria.souza@aluno.ifes.edu.br]", ("Maria Souza", STUDENT)),
        ('"Souza, Maria" <maria.souza@aluno.ifes.edu.br>', ("Souza, Maria", STUDENT)),
        ("maria.souza@aluno.ifes.edu.br", ("", STUDENT)),
        ("<maria.souza@aluno.ifes.edu.br>", ("", STUDENT)),
        ("maria.souza@aluno.ifes.edu.br (Maria Souza)", ("Maria Souza", STUDENT)),
        (
            "Maria Souza <maria.souza@aluno.ifes.edu.br<mailto:maria.souza@aluno.ifes.edu.br>>",
            ("Maria Souza", STUDENT),
        ),
        ("Maria Souza", ("Maria Souza", "")),
    ],
)
def test_split_sender(value, expected):
    assert split_sender(value) == expected


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Fwd: x", True),
        ("FW: x", True),
        ("Fw: x", True),
        ("ENC: x", True),
        ("enc: x", True),
        ("TR: x", True),
        ("WG: x", True),
        ("[ppcomp] Fwd: x", True),
        ("RE: ENC: x", False),
        ("Encontro: x", False),
        ("x", False),
    ],
)
def test_forward_prefix(subject, expected):
    assert has_forward_prefix(subject) is expected


def test_find_forward_only_reads_the_start_of_huge_bodies():
    padding = "linha comum\n" * 20_000  # 240 KB before the block
    text = padding + "---------- Forwarded message ---------\nFrom: a@b.c\nSubject: x\n"
    assert find_forward(text) is None
    assert find_forward(text[-200:]).from_address == "a@b.c"


def test_a_replys_history_starts_at_its_attribution_or_outlook_block_and_keeps_offsets():
    from emails.forwards import history_start, history_text

    gmail = (
        "Nova data: 16/03.\n\nEm qui., 4 de fev. de 2027 às 09:12, Otávio Pretti <\n"
        "otavio@ifes.edu.br> escreveu:\n> Título: Redes\n>> Data: 9/3/2027\n"
    )
    start = history_start(gmail)
    assert gmail[start:].startswith("Em qui.")
    history = history_text(gmail, start)
    assert len(history) == len(gmail)
    assert history[:start].strip() == ""
    assert "escreveu" not in history and "Em qui." not in history and ">" not in history
    assert history.index("Título: Redes") == gmail.index("Título: Redes")
    outlook = (
        "Passa para as 16h.\n\n________________________________\nDe: Beatriz <b@ifes.edu.br>\n"
        "Enviado: quarta-feira, 3 de fevereiro de 2027 10:15\nPara: PPComp <p@ifes.edu.br>\n"
        "Assunto: Defesa\n\nData: 23/03/2027\n"
    )
    assert outlook[history_start(outlook) :].lstrip("_\n").startswith("De: Beatriz")
    assert history_start("Sem histórico.") == len("Sem histórico.")
