"""parse_email on realistic and hostile mail: it never raises and every string is storable."""

from __future__ import annotations

import email
import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from emails import parsing
from emails.htmltext import html_to_text
from emails.parsing import EmailParseError, ParsedEmail, parse_email
from emails.tests.corpus import (
    SECRETARIAT,
    big_attachment_message,
    big_attachment_payload,
    hostile_corpus,
    multipart,
    part,
    raw_message,
    standard_headers,
)

CORPUS = dict(hostile_corpus())
BRT = timezone(timedelta(hours=-3))
MARCH_3 = datetime(2025, 3, 3, 10, 12, tzinfo=BRT)


@pytest.fixture(scope="module")
def parsed() -> dict[str, ParsedEmail]:
    return {name: parse_email(raw) for name, raw in CORPUS.items()}


def _strings(result: ParsedEmail) -> Iterator[str]:
    for value in vars(result).values():
        if isinstance(value, str):
            yield value
    for attachment in result.attachments:
        yield attachment.filename
        yield attachment.content_type
    yield from result.defects


# -- every message ---------------------------------------------------------------------------


def test_corpus_has_at_least_thirty_distinct_messages(parsed):
    names = [name for name, _ in hostile_corpus()]
    assert len(names) >= 30
    assert len(set(names)) == len(names)
    assert all(isinstance(raw, bytes) for _, raw in hostile_corpus())
    assert len(set(CORPUS.values())) == len(CORPUS)
    # Stored side by side, no two may look like the same message to deduplication.
    ids = [result.message_id for result in parsed.values() if result.message_id]
    assert len(set(ids)) == len(ids)


def test_corpus_is_deterministic():
    assert hostile_corpus() == hostile_corpus()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_message_gives_storable_strings(name, parsed):
    result = parsed[name]
    for text in _strings(result):
        assert isinstance(text, str)
        assert "\x00" not in text
        text.encode("utf-8")  # a lone surrogate raises here, as it would in PostgreSQL
    for moment in (result.date, result.original_date):
        assert moment is None or moment.utcoffset() is not None
    assert all(isinstance(a.payload, bytes) for a in result.attachments)
    assert result.auto_generated == bool(result.auto_reason)


# -- what each message must give ---------------------------------------------------------------

EXPECTATIONS: dict[str, Callable[[ParsedEmail], None]] = {}


def expect(name: str) -> Callable[[Callable[[ParsedEmail], None]], Callable[[ParsedEmail], None]]:
    def register(check: Callable[[ParsedEmail], None]) -> Callable[[ParsedEmail], None]:
        EXPECTATIONS[name] = check
        return check

    return register


def test_every_corpus_message_has_specific_expectations():
    assert set(EXPECTATIONS) == set(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_message_expectations(name, parsed):
    EXPECTATIONS[name](parsed[name])


@expect("plain_utf8")
def _(r: ParsedEmail) -> None:
    assert r.subject == "Dúvida sobre matrícula"
    assert r.from_name == "Maria Souza"
    assert r.from_address == "maria.souza@aluno.ifes.edu.br"
    assert r.to == SECRETARIAT
    assert r.message_id == "plain_utf8@corpus"
    assert r.date == MARCH_3
    assert r.date.astimezone(UTC) == datetime(2025, 3, 3, 13, 12, tzinfo=UTC)
    assert r.body_text == "Olá, gostaria de saber sobre a matrícula.\n"
    assert r.body_html == ""
    assert r.attachments == []
    assert r.forwarded is False
    assert r.auto_generated is False
    assert r.defects == []


@expect("crlf_multipart_alternative")
def _(r: ParsedEmail) -> None:
    assert r.body_text == "Título: Um estudo\n"  # CRLF became LF; the plain part wins
    assert r.body_html == "<div><b>Título:</b> Um estudo</div>"
    assert r.attachments == []
    assert r.defects == []


@expect("lf_only")
def _(r: ParsedEmail) -> None:
    assert r.subject == "Só LF"
    assert r.message_id == "lf@corpus"
    assert r.body_text == "Linha 1\nLinha 2\n"


@expect("lone_cr_line_endings")
def _(r: ParsedEmail) -> None:
    assert r.subject == "Mac antigo"
    assert r.from_address == "maria.souza@aluno.ifes.edu.br"
    assert r.body_text == "Linha 1\nLinha 2\n"


@expect("broken_boundary")
def _(r: ParsedEmail) -> None:
    assert r.subject == "Fronteira errada"
    assert "Texto perdido entre fronteiras." in r.body_text  # kept, not lost
    assert any("start boundary was never found" in d for d in r.defects)


@expect("missing_final_boundary")
def _(r: ParsedEmail) -> None:
    assert r.body_text == "Segue o anexo."
    assert [(a.filename, a.content_type, a.payload) for a in r.attachments] == [
        ("anexo.pdf", "application/pdf", b"%PDF-1.4 anexo")
    ]
    assert any("close boundary" in d for d in r.defects)


@expect("duplicate_boundary_lines")
def _(r: ParsedEmail) -> None:
    assert r.body_text == "Depois de duas fronteiras."


@expect("multipart_without_boundary_param")
def _(r: ParsedEmail) -> None:
    assert "conteúdo" in r.body_text
    assert any("no boundary parameter" in d for d in r.defects)


@expect("undeclared_8bit_utf8_body")
def _(r: ParsedEmail) -> None:
    assert r.body_text == "Ação e educação.\n"
    assert any("without a charset" in d for d in r.defects)


@expect("undeclared_8bit_latin1_body")
def _(r: ParsedEmail) -> None:
    assert r.body_text == "Ação e educação.\n"


@expect("latin1_declared_utf8")
def _(r: ParsedEmail) -> None:
    assert r.body_text == "Solicitação de acesso.\n"
    assert any("not valid utf-8" in d for d in r.defects)


@expect("utf8_declared_latin1")
def _(r: ParsedEmail) -> None:
    assert r.body_text == "Solicitação de acesso.\n"
    assert any("declared iso-8859-1 but is UTF-8" in d for d in r.defects)


@expect("unknown_charset")
def _(r: ParsedEmail) -> None:
    assert r.body_text == "Coordenação.\n"
    assert any("unknown charset 'x-unknown'" in d for d in r.defects)


@expect("iso_8859_1_quoted_printable")
def _(r: ParsedEmail) -> None:
    assert r.body_text == "Prezada coordenação,\nsolicito acesso ao laboratório. Obrigado.\n"
    assert r.defects == []


@expect("windows_1252_smart_quotes")
def _(r: ParsedEmail) -> None:
    assert r.body_text == "Chamado “Defesa” – custo 10 €.\n"


@expect("base64_utf8_body")
def _(r: ParsedEmail) -> None:
    assert r.body_text == "Orientador: Prof. Dr. João Ninguém\n"


@expect("utf16_body")
def _(r: ParsedEmail) -> None:
    assert r.body_text == "Acentuação em UTF-16."


@expect("rfc2047_subject_charsets")
def _(r: ParsedEmail) -> None:
    assert r.subject == "Solicitação de acesso “urgente”"


@expect("rfc2047_split_multibyte")
def _(r: ParsedEmail) -> None:
    assert r.subject == "João"


@expect("malformed_encoded_words")
def _(r: ParsedEmail) -> None:
    assert r.subject.startswith("Olá")
    assert r.subject.endswith("=?UTF-8?Q?sem_fim")  # unterminated: kept as written


@expect("raw_8bit_headers")
def _(r: ParsedEmail) -> None:
    assert r.subject == "Defesa de Dissertação"  # raw UTF-8
    assert r.from_name == "João Gonçalves"  # raw Latin-1
    assert r.from_address == "joao.goncalves@ifes.edu.br"


@expect("long_header_line")
def _(r: ParsedEmail) -> None:
    assert r.subject == ("palavra " * 1250).strip()
    assert len(r.subject) == 9999


@expect("nul_bytes")
def _(r: ParsedEmail) -> None:
    assert r.subject == "Assuntocom NUL"
    assert r.body_text == "CorpocomNUL.\n"


@expect("no_headers")
def _(r: ParsedEmail) -> None:
    assert r.subject == r.from_address == r.message_id == ""
    assert r.date is None
    assert r.body_text == "Apenas um texto sem cabeçalhos.\nSegunda linha.\n"
    assert "no From header" in r.defects


@expect("headers_only")
def _(r: ParsedEmail) -> None:
    assert r.subject == "Sem corpo"
    assert r.message_id == "headers-only@corpus"
    assert r.from_address == "maria.souza@aluno.ifes.edu.br"
    assert r.from_name == ""
    assert r.body_text == r.body_html == ""


@expect("missing_subject")
def _(r: ParsedEmail) -> None:
    assert r.subject == ""
    assert "no Subject header" in r.defects
    assert r.body_text == "corpo\n"


@expect("missing_message_id")
def _(r: ParsedEmail) -> None:
    assert r.message_id == ""
    assert "no Message-ID header" in r.defects


@expect("two_message_ids")
def _(r: ParsedEmail) -> None:
    assert r.message_id == "primeiro@corpus"
    assert "several Message-ID headers; the first one is used" in r.defects


@expect("message_id_too_long")
def _(r: ParsedEmail) -> None:
    assert r.message_id == ""


@expect("garbage_date")
def _(r: ParsedEmail) -> None:
    assert r.date is None
    assert any("unreadable Date header" in d for d in r.defects)


@expect("date_out_of_range")
def _(r: ParsedEmail) -> None:
    assert r.date is None
    assert any("out of range" in d for d in r.defects)


@expect("missing_from")
def _(r: ParsedEmail) -> None:
    assert r.from_name == r.from_address == ""
    assert "no From header" in r.defects


@expect("from_without_address")
def _(r: ParsedEmail) -> None:
    assert r.from_name == "Fulano de Tal"
    assert r.from_address == ""


@expect("address_groups_and_comments")
def _(r: ParsedEmail) -> None:
    assert r.from_name == "Maria Souza"
    assert r.from_address == "maria.souza@aluno.ifes.edu.br"
    assert r.to == "undisclosed-recipients:;"
    assert r.cc == 'a@ifes.edu.br, b@ifes.edu.br, "Lima, Ana" <ana@ufes.br>'
    assert r.reply_to == "<<<quebrado@"  # unusable: kept as written


@expect("mbox_from_line")
def _(r: ParsedEmail) -> None:
    assert r.subject == "Exportado de mbox"
    assert r.body_text == "corpo\n"


@expect("first_header_is_continuation")
def _(r: ParsedEmail) -> None:
    assert r.subject == "Continuação"
    assert any("continuation line" in d for d in r.defects)


@expect("nested_rfc822_three_levels")
def _(r: ParsedEmail) -> None:
    (attachment,) = r.attachments
    assert attachment.filename == "Nível 1.eml"
    assert attachment.content_type == "message/rfc822"
    inner = parse_email(attachment.payload)
    assert inner.subject == "Nível 1"
    assert [a.filename for a in inner.attachments] == ["Nível 2.eml"]
    deepest = parse_email(parse_email(inner.attachments[0].payload).attachments[0].payload)
    assert deepest.subject == "Nível 3"
    assert deepest.body_text == "Mensagem mais interna.\n"
    assert r.forwarded is True
    assert r.original_from_name == "Pessoa 1"
    assert r.original_from_address == "pessoa1@ifes.edu.br"
    assert r.original_subject == "Nível 1"
    assert r.original_date == MARCH_3
    assert r.body_text == "Texto do nível 1."  # the empty note gives way to the forward


@expect("encoded_rfc822_part")
def _(r: ParsedEmail) -> None:
    (attachment,) = r.attachments
    assert attachment.filename == "Original em base64.eml"
    assert parse_email(attachment.payload).subject == "Original em base64"
    assert r.original_from_address == "carlos.lima@ifes.edu.br"
    assert r.body_text == "Texto original.\n"


@expect("rfc2231_attachment_name")
def _(r: ParsedEmail) -> None:
    (attachment,) = r.attachments
    assert attachment.filename == "Ata de defesa – João.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.payload == b"%PDF-1.4 ata"


@expect("encoded_word_filenames")
def _(r: ParsedEmail) -> None:
    assert [(a.filename, len(a.payload)) for a in r.attachments] == [
        ("Declaração.pdf", 10),
        ("Folha de aprovação.docx", 8),
        ("Relatório.pdf", 10),
    ]


@expect("broken_base64_attachment")
def _(r: ParsedEmail) -> None:
    (attachment,) = r.attachments
    assert attachment.filename == "dados.bin"
    assert attachment.payload.startswith(b"Hello, world")
    assert any("broken base64" in d for d in r.defects)


@expect("html_only_table")
def _(r: ParsedEmail) -> None:
    assert r.body_text == (
        "Prezada secretaria,\nNome Completo Aluno: Fulano de Tal\nTítulo: Um & Outro\nAtt."
    )
    assert "<table>" in r.body_html


@expect("inline_image")
def _(r: ParsedEmail) -> None:
    assert r.body_text == "Veja:"
    assert [(a.filename, a.content_type, a.payload) for a in r.attachments] == [
        ("", "image/png", b"\x89PNG\r\n\x1a\nimagem")
    ]


@expect("many_attachments")
def _(r: ParsedEmail) -> None:
    assert len(r.attachments) == 300
    assert r.attachments[299].filename == "planilha-299.csv"
    assert r.attachments[299].payload == b"linha,299\r\n"  # text kept as sent (CRLF)
    assert r.body_text == "Trezentos anexos."


@expect("bad_content_type")
def _(r: ParsedEmail) -> None:
    assert r.body_text == "Tipo sem barra.\n"  # RFC 2045: invalid type means text/plain


@expect("unknown_transfer_encoding")
def _(r: ParsedEmail) -> None:
    assert r.body_text == "Codificação desconhecida.\n"


@expect("bounce_report")
def _(r: ParsedEmail) -> None:
    assert r.auto_generated is True
    assert r.auto_reason == "Auto-Submitted: auto-replied"
    assert r.forwarded is False  # the returned copy is not a forward
    assert [a.content_type for a in r.attachments] == [
        "message/delivery-status",
        "message/rfc822",
    ]
    assert r.body_text == "Não foi possível entregar a mensagem."


@expect("deep_multipart_50")
def _(r: ParsedEmail) -> None:
    assert r.subject == "Fundo"
    assert r.body_text == "fundo"


@expect("deep_multipart_2000")
def _(r: ParsedEmail) -> None:
    assert r.subject == "Fundo demais"
    assert "fundo" in r.body_text  # too deep to structure, but nothing is lost
    assert any("nested too deeply" in d for d in r.defects)


@expect("pathological_html")
def _(r: ParsedEmail) -> None:
    assert r.body_text.startswith("início\n<a <a ")


@expect("empty_bytes")
def _(r: ParsedEmail) -> None:
    assert r == ParsedEmail(defects=["empty message"])


@expect("random_garbage")
def _(r: ParsedEmail) -> None:
    assert r.subject == r.from_address == ""
    assert r.body_text  # kept as text, decoded somehow


@expect("random_garbage_with_header")
def _(r: ParsedEmail) -> None:
    assert r.subject == "lixo"
    assert r.body_text


# -- API edges ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["From: a@b\n\ntexto", None, 42])
def test_non_bytes_raise_parse_error(value):
    with pytest.raises(EmailParseError):
        parse_email(value)


def test_bytearray_and_memoryview_are_accepted():
    raw = CORPUS["plain_utf8"]
    assert parse_email(bytearray(raw)) == parse_email(raw)
    assert parse_email(memoryview(raw)) == parse_email(raw)


def test_headers_and_references():
    raw = raw_message(
        standard_headers(
            "Re: Defesa",
            message_id="<\r\n  CAF+abc@mail.gmail.com>",
            extra=[
                ("In-Reply-To", "<first@x> <second@x>"),
                ("References", "<a@x>\r\n <b@x>\t<c@x>"),
                ("Cc", "=?UTF-8?Q?Coordena=C3=A7=C3=A3o?= <coord@ifes.edu.br>, ana@ufes.br"),
                ("Reply-To", '"Silva, João" <joao@ifes.edu.br>'),
            ],
        ),
        "corpo\n",
    )
    result = parse_email(raw)
    assert result.message_id == "CAF+abc@mail.gmail.com"
    assert result.in_reply_to == "first@x"
    assert result.references == "a@x b@x c@x"
    assert result.cc == "Coordenação <coord@ifes.edu.br>, ana@ufes.br"
    assert result.reply_to == '"Silva, João" <joao@ifes.edu.br>'


def test_from_address_is_lower_cased_and_name_decoded():
    raw = raw_message(
        standard_headers(sender="=?ISO-8859-1?Q?Jos=E9_Ant=F4nio?= <Jose.Antonio@IFES.edu.br>"),
        "x\n",
    )
    result = parse_email(raw)
    assert (result.from_name, result.from_address) == ("José Antônio", "jose.antonio@ifes.edu.br")


def test_date_without_zone_is_utc():
    raw = raw_message([("Date", "Mon, 3 Mar 2025 10:12:00 -0000")], "x\n")
    assert parse_email(raw).date == datetime(2025, 3, 3, 10, 12, tzinfo=UTC)


def test_blank_plain_part_gives_way_to_html():
    raw = raw_message(
        standard_headers(content_type='multipart/alternative; boundary="a"', encoding=None),
        multipart("a", [part("text/plain", "  \n"), part("text/html", "<p>Olá</p>")]),
    )
    assert parse_email(raw).body_text == "Olá"


def test_text_attachment_is_not_the_body():
    raw = raw_message(
        standard_headers(content_type='multipart/mixed; boundary="m"', encoding=None),
        multipart(
            "m",
            [
                part("text/plain", "notas", 'Content-Disposition: attachment; filename="n.txt"'),
                part("text/plain; charset=utf-8", "O corpo."),
            ],
        ),
    )
    result = parse_email(raw)
    assert result.body_text == "O corpo."
    assert [(a.filename, a.payload) for a in result.attachments] == [("n.txt", b"notas")]


def test_html_to_text_rules():
    html = (
        "<html><head><title>t</title></head><body>"
        "<h1>Defesa</h1><div>Linha&nbsp;um</div><div><br></div><div>Linha   dois</div>"
        "<ul><li>a</li><li>b</li></ul><p></p><p></p><p></p><p>fim &lt;ok&gt;</p>"
        "<table><tr><th>Sala:</th><td>207</td></tr><tr><td>Data:<td>15/10/2025</table>"
        "<style>p {}</style></body></html>"
    )
    assert html_to_text(html) == (
        "Defesa\nLinha um\n\nLinha dois\na\nb\nfim <ok>\nSala: 207\nData: 15/10/2025"
    )


# -- the big one ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_fifteen_megabyte_attachment():
    raw = big_attachment_message(15)
    started = time.perf_counter()
    result = parse_email(raw)
    elapsed = time.perf_counter() - started
    del raw
    assert result.subject == "Ata de defesa (arquivo grande)"
    assert result.body_text == "Segue a ata digitalizada."
    (attachment,) = result.attachments
    assert attachment.filename == "ata-digitalizada.pdf"
    assert len(attachment.payload) == 15 * 1024 * 1024
    assert attachment.payload == big_attachment_payload(15)
    assert result.defects == []
    assert elapsed < 10  # about 0.3 s on a laptop; a line-by-line parse took seconds


# -- fast path == standard parser ----------------------------------------------------------------


def _tree(message: email.message.Message) -> tuple:
    payload = message._payload
    children = [_tree(child) for child in payload] if isinstance(payload, list) else payload
    return (
        tuple(message.raw_items()),
        message.get_unixfrom(),
        message.preamble,
        message.epilogue,
        [type(defect).__name__ for defect in message.defects],
        children,
    )


def _structure_variants() -> list[bytes]:
    inner = raw_message(
        standard_headers("Interna", content_type='multipart/mixed; boundary="in"', encoding=None),
        "\n--in\nContent-Type: text/plain\n\na\n--in--\nepílogo interno\n",
    )
    bodies = [
        "preâmbulo\n--b\nContent-Type: text/plain\n\nx\n--b--\nepílogo\n",
        "\n\n--b\n\nsem cabeçalhos\n--b--",
        "--b   \nContent-Type: text/plain\n\nespaços após a fronteira\n--b--  \n",
        "--b\nContent-Type: text/plain\n\n--bb não é fronteira\n--b-x\n--b--\n",
        "--b\nContent-Type: message/rfc822\n\n" + inner.decode() + "\n--b--\n\n\n",
        "--b\nContent-Type: multipart/alternative; boundary=c\n\n--c\n\nx\n--c--\n\n--b--",
        "--b\nContent-Type: multipart/alternative; boundary=c\n\n--c\n\nx\n--c--\n--b--",
        "--b\nContent-Type: multipart/alternative; boundary=c\n\n--c\n\nx\n--c--\nfim\n--b--",
        "--b\nContent-Type: text/plain\n\nsem fechamento\n",
        "--b--\nsó o fechamento\n",
        "--b\nContent-Type: text/plain\nsem linha em branco\n--b--\n",
        "--b\r\nContent-Type: text/plain\r\n\r\nCRLF\r\n--b--\r\n",
        "--b\nContent-Type: text/plain\n\nCR\rsolto\n--b--\n",
    ]
    variants = []
    for body in bodies:
        for linesep in (b"\n", b"\r\n"):
            variants.append(
                raw_message(
                    standard_headers(content_type="multipart/mixed; boundary=b", encoding=None),
                    body,
                    linesep=linesep,
                ).replace(b"\r\r\n", b"\r\n")
            )
    return variants


def _mutations(seed: int, count: int) -> list[bytes]:
    """Corpus messages with lines deleted, duplicated or cut: a small deterministic fuzz."""
    rng = random.Random(seed)
    sources = [raw for raw in CORPUS.values() if 0 < len(raw) < 40_000]
    mutated = []
    for _ in range(count):
        lines = rng.choice(sources).splitlines(keepends=True)
        for _ in range(rng.randint(1, 3)):
            if not lines:
                break
            index = rng.randrange(len(lines))
            action = rng.choice(("drop", "repeat", "cut", "strip_eol"))
            if action == "drop":
                del lines[index]
            elif action == "repeat":
                lines.insert(index, lines[index])
            elif action == "cut":
                lines[index] = lines[index][: rng.randrange(len(lines[index]) + 1)]
            else:
                lines[index] = lines[index].rstrip(b"\r\n")
        mutated.append(b"".join(lines))
    return mutated


def test_fast_path_builds_the_same_tree_and_result_as_the_standard_parser():
    samples = list(CORPUS.values()) + _structure_variants() + _mutations(seed=7, count=400)
    fast_count = 0
    for raw in samples:
        try:
            fast = parsing._fast_entity(raw, 0)
        except (parsing._NotSimple, RecursionError):
            continue
        fast_count += 1
        standard = email.message_from_bytes(raw, policy=parsing._POLICY)
        assert _tree(fast) == _tree(standard), raw[:300]
        assert parsing._parse_email(raw, fast=True) == parsing._parse_email(raw, fast=False)
    assert fast_count > len(samples) / 3  # the fast path is the common case


# -- no quadratic corner -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "De: x\n" * 20_000,  # forward candidates on every line
        "a" * 1_000_000,  # one enormous line
        ("From: " + " " * 5_000 + "\n") * 20,
        "________________________________\n" * 5_000,
        "> " * 200_000,
    ],
    ids=["many-candidates", "long-line", "spaces", "separators", "quotes"],
)
def test_big_odd_bodies_parse_quickly(body):
    raw = raw_message(standard_headers("Fwd: grande"), body)
    started = time.perf_counter()
    parse_email(raw)
    assert time.perf_counter() - started < 2


def test_references_keep_the_last_50_and_in_reply_to_its_first_id():
    refs = " ".join(f"<r{n}@x.example>" for n in range(5000))
    raw = (
        "From: a@x.example\r\nSubject: s\r\nMessage-ID: <m@x.example>\r\n"
        f"In-Reply-To: <first@x.example> {refs}\r\nReferences: {refs}\r\n\r\nbody\r\n"
    ).encode()
    parsed = parse_email(raw)
    assert parsed.references.split() == [f"r{n}@x.example" for n in range(4950, 5000)]
    assert parsed.in_reply_to == "first@x.example"
    short = parse_email(b"From: a@x.example\r\nReferences: <a@x> <b@x>\r\n\r\nx\r\n")
    assert short.references == "a@x b@x"


def test_nesting_depth_is_linear_and_stops_early():
    from mailflow.html import nesting_depth

    assert nesting_depth("<p>a<br>b<img src=x><div><span>x</span></div></p>") == 3
    assert nesting_depth("<div>" * 200_000, stop_at=100) == 101
    assert nesting_depth("<a" * 100_000) == 0  # unclosed tags: no backtracking blow-up


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        (
            '<p>Sala virtual: <a href="https://meet.google.com/abc-defg-hij">clique aqui</a>.</p>',
            "Sala virtual: clique aqui (https://meet.google.com/abc-defg-hij).",
        ),
        (
            '<p><a href="https://meet.google.com/abc">https://meet.google.com/abc</a></p>',
            "https://meet.google.com/abc",
        ),
        (
            '<p><a href="mailto:x@y.br">escreva</a> ou <a href="javascript:x()">isto</a></p>',
            "escreva ou isto",
        ),
        (
            '<p>link: <a href="https://rnp.br/sala"><img src="x.png"></a></p>',
            "link: https://rnp.br/sala",
        ),
    ],
)
def test_a_link_that_hides_its_address_shows_it_in_the_text(markup, text):
    from emails.htmltext import html_to_text

    assert html_to_text(markup).strip() == text
