import io
import os
import re
import shutil
import zipfile
from datetime import date, time

import docx
import pytest

from defesa import documents
from defesa.data import ADVISOR, COADVISOR, EXTERNAL, INTERNAL, DefenseData, Member
from defesa.default_templates import build
from defesa.documents import (
    DOCUMENT_KINDS,
    PLACEHOLDERS,
    ProgramConfig,
    TemplateInvalid,
    default_template,
    document_context,
    file_name,
    generate_set,
    portuguese_date,
    render_document,
    validate_template,
)

TODAY = date(2025, 10, 20)


@pytest.fixture
def config() -> ProgramConfig:
    return ProgramConfig(
        program_name="Programa de Pós-Graduação em Computação Aplicada",
        program_acronym="PPComp",
        institution="Instituto Federal do Espírito Santo",
        institution_acronym="Ifes",
        campus="Campus Serra",
        city="Serra",
        coordinator_name="Profª. Drª. Helena Coordenadora",
        degree="Mestre em Computação Aplicada",
    )


@pytest.fixture
def defense() -> DefenseData:
    return DefenseData(
        student="Maria Souza",
        title="Detecção de anomalias em redes P&D <IoT>",
        date=date(2025, 10, 15),
        time=time(14, 0),
        room="207",
        members=[
            Member(EXTERNAL, "João D'Ávila", "Prof. Dr.", "UFES"),
            Member(ADVISOR, "Carlos Lima", "Prof. Dr."),
            Member(INTERNAL, "Paulo Reis", "Prof. Dr."),
            Member(COADVISOR, "Beatriz Rocha", "Profª. Drª.", "UFRJ"),
            Member(INTERNAL, "Lia Moraes", "Profª. Drª.", "Ifes"),
            Member(EXTERNAL, "Rui Costa", "Dr.", "USP"),
        ],
    )


def docx_texts(content: bytes) -> dict[str, str]:
    """The text of every place a placeholder may be: body, table cells, headers, footers."""
    document = docx.Document(io.BytesIO(content))
    body = [p.text for p in document.paragraphs]
    cells = [
        paragraph.text
        for table in document.tables
        for row in table.rows
        for cell in row.cells
        for paragraph in cell.paragraphs
    ]
    headers, footers = [], []
    for section in document.sections:
        for header in (section.header, section.first_page_header, section.even_page_header):
            headers += [p.text for p in header.paragraphs]
        for footer in (section.footer, section.first_page_footer, section.even_page_footer):
            footers += [p.text for p in footer.paragraphs]
    texts = {
        "body": "\n".join(body),
        "table": "\n".join(cells),
        "header": "\n".join(headers),
        "footer": "\n".join(footers),
    }
    texts["all"] = "\n".join(texts.values())
    return texts


def by_kind(files: list[documents.GeneratedFile], kind: str) -> list[documents.GeneratedFile]:
    return [f for f in files if f.kind == kind]


def docx_bytes(build_document) -> bytes:
    document = docx.Document()
    build_document(document)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def paragraphs(*texts: str) -> bytes:
    return docx_bytes(lambda document: [document.add_paragraph(text) for text in texts])


# --- A full set ---------------------------------------------------------------------------


def test_a_full_set_has_one_file_per_document_and_member(defense, config):
    files = generate_set(defense, config, today=TODAY)

    assert [f.kind for f in files] == [
        "ata_aprovado",
        "ata_reprovado",
        "declaracao_orientador",
        "declaracao_coorientador",
        "declaracao_interno",
        "declaracao_interno",
        "declaracao_externo",
        "declaracao_externo",
        "folha_aprovacao",
    ]
    assert [f.member.name for f in by_kind(files, "declaracao_externo")] == [
        "João D'Ávila",
        "Rui Costa",
    ]
    assert [f.filename for f in files] == [
        "2025-10-15_maria-souza_ata-aprovado.docx",
        "2025-10-15_maria-souza_ata-reprovado.docx",
        "2025-10-15_maria-souza_declaracao-orientador_carlos-lima.docx",
        "2025-10-15_maria-souza_declaracao-coorientador_beatriz-rocha.docx",
        "2025-10-15_maria-souza_declaracao-interno_paulo-reis.docx",
        "2025-10-15_maria-souza_declaracao-interno_lia-moraes.docx",
        "2025-10-15_maria-souza_declaracao-externo_joao-davila.docx",
        "2025-10-15_maria-souza_declaracao-externo_rui-costa.docx",
        "2025-10-15_maria-souza_folha-aprovacao.docx",
    ]


def test_every_placeholder_is_replaced_everywhere(defense, config):
    for generated in generate_set(defense, config, today=TODAY):
        text = docx_texts(generated.content)["all"]
        for leftover in ("{{", "}}", "{%", "%}", "{#", "#}"):
            assert leftover not in text, (generated.filename, leftover)
        with zipfile.ZipFile(io.BytesIO(generated.content)) as archive:
            for name in archive.namelist():
                if name.endswith(".xml"):
                    xml = archive.read(name).decode("utf-8")
                    assert "{{" not in xml and "{%" not in xml, (generated.filename, name)


def test_every_document_carries_the_program_heading_and_the_institution(defense, config):
    for generated in generate_set(defense, config, today=TODAY):
        texts = docx_texts(generated.content)
        assert "Programa de Pós-Graduação em Computação Aplicada" in texts["header"]
        assert "PPComp" in texts["header"]
        assert "Instituto Federal do Espírito Santo" in texts["header"]
        assert "Campus Serra" in texts["header"]
        assert "Instituto Federal do Espírito Santo" in texts["footer"]
        # The title's "&" and "<" are text, not broken XML.
        assert "Detecção de anomalias em redes P&D <IoT>" in texts["all"], generated.filename


def test_each_minutes_variant_says_its_own_result(defense, config):
    files = generate_set(defense, config, today=TODAY)
    approved = docx_texts(by_kind(files, "ata_aprovado")[0].content)["all"]
    failed = docx_texts(by_kind(files, "ata_reprovado")[0].content)["all"]

    assert re.search(r"\bAPROVADO\b", approved)
    assert "REPROVADO" not in approved
    assert re.search(r"\bREPROVADO\b", failed)
    assert not re.search(r"\bAPROVADO\b", failed)


def test_the_minutes_name_the_session_and_every_member_with_role_and_institution(defense, config):
    minutes = by_kind(generate_set(defense, config, today=TODAY), "ata_aprovado")[0]
    texts = docx_texts(minutes.content)

    assert "No dia 15 de outubro de 2025, às 14:00" in texts["body"]
    assert "Maria Souza" in texts["body"]
    assert "Local: Sala 207" in texts["body"]
    assert "Serra, 15 de outubro de 2025." in texts["body"]
    document = docx.Document(io.BytesIO(minutes.content))
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert rows == [
        ["Nome", "Função", "Instituição"],
        ["Prof. Dr. Carlos Lima", "Orientador(a) e presidente", "Ifes"],
        ["Profª. Drª. Beatriz Rocha", "Coorientador(a)", "UFRJ"],
        ["Prof. Dr. Paulo Reis", "Avaliador(a) interno(a)", "Ifes"],
        ["Profª. Drª. Lia Moraes", "Avaliador(a) interno(a)", "Ifes"],
        ["Prof. Dr. João D'Ávila", "Avaliador(a) externo(a)", "UFES"],
        ["Dr. Rui Costa", "Avaliador(a) externo(a)", "USP"],
    ]
    # A signature line for each member.
    assert "Avaliador(a) externo(a) – USP" in texts["body"]
    assert texts["body"].count("_" * 45) == 6


def test_a_virtual_defence_gives_the_link_as_the_place(defense, config):
    defense.room = "Virtual"
    defense.link = "https://meet.example.org/abc-defg-hij"

    context = document_context(defense, config, today=TODAY)

    assert context["place"] == "Sala virtual: https://meet.example.org/abc-defg-hij"
    assert context["room"] == "Virtual"


@pytest.mark.parametrize(
    ("kind", "subject", "capacity"),
    [
        ("declaracao_orientador", "Prof. Dr. Carlos Lima (Ifes)", "orientador(a) principal"),
        ("declaracao_coorientador", "Profª. Drª. Beatriz Rocha (UFRJ)", "coorientador(a)"),
        ("declaracao_interno", "Prof. Dr. Paulo Reis (Ifes)", "avaliador(a) interno(a)"),
        ("declaracao_externo", "Prof. Dr. João D'Ávila (UFES)", "avaliador(a) externo(a)"),
    ],
)
def test_a_declaration_names_its_member_the_defence_and_the_coordinator(
    defense, config, kind, subject, capacity
):
    body = docx_texts(by_kind(generate_set(defense, config, today=TODAY), kind)[0].content)["body"]

    assert f"que {subject} participou, na qualidade de {capacity}" in body
    assert "“Detecção de anomalias em redes P&D <IoT>”, de autoria de Maria Souza" in body
    assert "realizada em 15 de outubro de 2025, às 14:00" in body
    assert "Serra, 20 de outubro de 2025." in body
    assert "Profª. Drª. Helena Coordenadora" in body
    assert "Coordenador(a) do Programa de Pós-Graduação em Computação Aplicada" in body


def test_each_member_declaration_names_only_its_member(defense, config):
    files = generate_set(defense, config, today=TODAY)
    others = {m.name for m in defense.members}
    for kind in ("declaracao_interno", "declaracao_externo"):
        for generated in by_kind(files, kind):
            body = docx_texts(generated.content)["body"]
            assert generated.member.name in body
            assert f"({generated.member.institution or 'Ifes'})" in body
            for name in others - {generated.member.name}:
                assert name not in body, (generated.filename, name)

    joao, rui = by_kind(files, "declaracao_externo")
    assert "UFES" in docx_texts(joao.content)["body"]
    assert "USP" not in docx_texts(joao.content)["body"]
    assert "USP" in docx_texts(rui.content)["body"]
    assert "UFES" not in docx_texts(rui.content)["body"]


def test_the_approval_sheet_names_the_student_the_date_and_the_committee(defense, config):
    sheet = by_kind(generate_set(defense, config, today=TODAY), "folha_aprovacao")[0]
    body = docx_texts(sheet.content)["body"]

    assert "Maria Souza" in body
    assert "Aprovado em 15 de outubro de 2025." in body
    assert "título de Mestre em Computação Aplicada" in body
    for member in defense.members:
        assert member.name in body
    assert "Avaliador(a) externo(a) – UFES" in body
    assert "Avaliador(a) interno(a) – Ifes" in body  # Paulo Reis, who has no institution


def test_no_co_advisor_declaration_without_a_co_advisor(defense, config):
    defense.members = [m for m in defense.members if m.role != COADVISOR]

    files = generate_set(defense, config, today=TODAY)

    assert by_kind(files, "declaracao_coorientador") == []
    assert len(files) == 8
    minutes = docx_texts(by_kind(files, "ata_aprovado")[0].content)["all"]
    assert "Coorientador" not in minutes


def test_incomplete_data_is_refused_not_guessed(defense, config):
    defense.members = [m for m in defense.members if m.role != EXTERNAL]
    defense.title = ""

    with pytest.raises(documents.IncompleteDefenseData) as error:
        generate_set(defense, config, today=TODAY)

    assert error.value.fields == ["title", "external"]


def test_an_uploaded_template_replaces_only_its_default(defense, config):
    sheet = paragraphs("Folha de {{ student }}: {{ date_long }}.")

    files = generate_set(defense, config, {"folha_aprovacao": sheet}, today=TODAY)

    folha = by_kind(files, "folha_aprovacao")[0]
    assert docx_texts(folha.content)["body"] == "Folha de Maria Souza: 15 de outubro de 2025."
    ata = docx_texts(by_kind(files, "ata_aprovado")[0].content)["body"]
    assert "ATA DA SESSÃO PÚBLICA" in ata


# --- Values and names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 10, 15), "15 de outubro de 2025"),
        (date(2026, 3, 1), "1º de março de 2026"),
        (date(2025, 12, 31), "31 de dezembro de 2025"),
        (date(2026, 2, 9), "9 de fevereiro de 2026"),
    ],
)
def test_portuguese_date(day, expected):
    assert portuguese_date(day) == expected


def test_the_context_has_every_placeholder_and_nothing_else(defense, config):
    context = document_context(defense, config, result="APROVADO", today=TODAY)

    assert set(context) == set(PLACEHOLDERS)
    assert context["date"] == "15/10/2025"
    assert (context["day"], context["month_name"], context["year"]) == ("15", "outubro", "2025")
    assert context["advisor"] == "Prof. Dr. Carlos Lima"
    assert context["advisor_institution"] == "Ifes"
    assert [m["name"] for m in context["internal_members"]] == ["Paulo Reis", "Lia Moraes"]
    assert context["today_long"] == "20 de outubro de 2025"


def test_file_names_are_ascii_without_spaces_and_distinct(config):
    defense = DefenseData(
        student="Ângela Conceição dos Santos Ñúñez " + "Sobrenome " * 20,
        title="T",
        date=date(2026, 3, 1),
        time=time(9, 30),
        room="Auditório",
        members=[
            Member(ADVISOR, "Çarlos Müller"),
            Member(INTERNAL, "José da Silva", "Prof. Dr."),
            Member(INTERNAL, "José da Silva", "Prof."),
            Member(EXTERNAL, "Ana O'Neil", "Dra.", "MIT"),
        ],
    )

    names = [f.filename for f in generate_set(defense, config, today=TODAY)]

    assert len(set(names)) == len(names)
    for name in names:
        assert re.fullmatch(r"[a-z0-9._-]+", name), name
        assert len(name) <= 120
    assert names[2] == (
        "2026-03-01_angela-conceicao-dos-santos-nunez_declaracao-orientador_carlos-muller.docx"
    )
    assert names[3].endswith("_declaracao-interno_jose-da-silva.docx")
    assert names[4].endswith("_declaracao-interno_jose-da-silva-2.docx")
    assert names[5].endswith("_declaracao-externo_ana-oneil.docx")


def test_two_defences_never_share_a_file_name(defense):
    other = DefenseData(student="Mário Souza", date=defense.date)
    later = DefenseData(student=defense.student, date=date(2026, 4, 2))

    names = {file_name(d, "ata_aprovado", ext="pdf") for d in (defense, other, later)}

    assert names == {
        "2025-10-15_maria-souza_ata-aprovado.pdf",
        "2025-10-15_mario-souza_ata-aprovado.pdf",
        "2026-04-02_maria-souza_ata-aprovado.pdf",
    }


# --- Templates ----------------------------------------------------------------------------


def split_placeholder_template() -> bytes:
    """A placeholder as Word often saves it: cut across runs, in every kind of part."""

    def split_runs(paragraph):
        paragraph.add_run("Discente: {{ stu")
        paragraph.add_run("dent }}").bold = True
        paragraph.add_run(" – {{ ")
        paragraph.add_run("date_long")
        paragraph.add_run(" }}")

    def build_document(document):
        split_runs(document.add_paragraph())
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "Título"
        split_runs(table.cell(0, 1).paragraphs[0])
        section = document.sections[0]
        split_runs(section.header.paragraphs[0])
        split_runs(section.footer.paragraphs[0])

    return docx_bytes(build_document)


def test_a_placeholder_split_across_runs_renders_in_body_table_header_and_footer(defense, config):
    template = split_placeholder_template()
    validate_template(template)

    rendered = render_document(template, document_context(defense, config, today=TODAY))

    texts = docx_texts(rendered)
    expected = "Discente: Maria Souza – 15 de outubro de 2025"
    for part in ("body", "table", "header", "footer"):
        assert expected in texts[part], part
    assert "{{" not in texts["all"]


@pytest.mark.parametrize("kind", list(DOCUMENT_KINDS))
def test_every_shipped_default_is_valid(kind):
    validate_template(default_template(kind), kind=kind)


def test_the_shipped_defaults_are_what_build_writes(tmp_path):
    build.build(tmp_path)

    for kind in DOCUMENT_KINDS:
        assert (tmp_path / f"{kind}.docx").read_bytes() == default_template(kind), kind


def test_an_unknown_name_is_refused_and_listed():
    template = docx_bytes(
        lambda document: (
            document.add_paragraph("{{ aluno }}, {{ student }}"),
            setattr(document.sections[0].header.paragraphs[0], "text", "{{ programa }}"),
        )
    )

    with pytest.raises(TemplateInvalid) as error:
        validate_template(template)

    assert error.value.names == ["aluno", "programa"]
    assert "aluno" in str(error.value) and "programa" in str(error.value)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Discente: {{ student", "{{ student"),
        ("Discente: student }}", "Discente: student }}"),
        ("{{}}", "{{}}"),
        ("{ { student } }", "{ {"),
        ("{{{ student }}}", "{{{"),
        ("{student}", "{student}"),
        ("{% for m in members %}{{ m.name }}", "{% for m in members %}{{ m.name }}"),
        ("{{ member.nome }}", "member.nome"),
        ("{% for m in members %}{{ m.instituicao }}{% endfor %}", "m.instituicao"),
        ("{{ student.__class__ }}", "student.__class__"),
    ],
)
def test_a_malformed_placeholder_is_refused(text, name):
    with pytest.raises(TemplateInvalid) as error:
        validate_template(paragraphs("Ata", text))

    assert name in error.value.names
    assert name in str(error.value)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a word document",
        b"%PDF-1.7\n",
        paragraphs("{{ student }}")[:200],
    ],
)
def test_a_file_that_is_not_a_docx_is_refused(content):
    with pytest.raises(TemplateInvalid):
        validate_template(content)


def test_a_zip_that_is_not_a_docx_is_refused():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("notes.txt", "{{ student }}")

    with pytest.raises(TemplateInvalid):
        validate_template(archive.getvalue())


def test_minutes_that_print_the_wrong_result_are_refused():
    template = paragraphs("Resultado: APROVADO")

    validate_template(template, kind="ata_aprovado")
    with pytest.raises(TemplateInvalid) as error:
        validate_template(template, kind="ata_reprovado")

    assert error.value.names == ["APROVADO"]


def test_a_template_cannot_reach_python_internals(defense, config):
    template = paragraphs("{{ student.__class__.__mro__ }}")

    with pytest.raises(TemplateInvalid):
        render_document(template, document_context(defense, config, today=TODAY))


# --- PDF ----------------------------------------------------------------------------------


def test_pdf_conversion_says_clearly_when_libreoffice_is_missing(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)

    with pytest.raises(documents.PdfConversionError, match="LibreOffice"):
        documents.docx_to_pdf(paragraphs("x"))


def require_soffice() -> None:
    """Skip without LibreOffice; fail on CI, where `make test` installs it."""
    if shutil.which("soffice") is None:
        reason = "LibreOffice (soffice) not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} [CI=true: the PDF tests must not be skipped]", pytrace=False)
        pytest.skip(reason)


def test_a_document_converts_to_pdf(defense, config):
    require_soffice()
    minutes = generate_set(defense, config, today=TODAY)[0]

    pdf = documents.docx_to_pdf(minutes.content)

    assert pdf.startswith(b"%PDF")
