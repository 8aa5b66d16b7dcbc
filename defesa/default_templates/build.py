"""Write the shipped default templates: ``python -m defesa.default_templates.build``.

The .docx files are committed; run this again after changing a text here. The output is
byte-for-byte reproducible (fixed dates in the properties and in the zip), so a rebuild
without changes leaves git clean.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

HERE = Path(__file__).resolve().parent
FIXED_TIME = datetime(2025, 1, 1, tzinfo=UTC)
ZIP_TIME = (2025, 1, 1, 0, 0, 0)

JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY
CENTER = WD_ALIGN_PARAGRAPH.CENTER
RIGHT = WD_ALIGN_PARAGRAPH.RIGHT

WORK = (
    "dissertação de mestrado intitulada “{{ title }}”, de autoria de {{ student }}, "
    "discente do {{ program_name }} ({{ program_acronym }}/{{ institution_acronym }})"
)
MEMBER_LINE = "{{ m.role_label }}{% if m.institution %} – {{ m.institution }}{% endif %}"


def new_document(title: str) -> DocxDocument:
    document = Document()
    properties = document.core_properties
    properties.title = title
    properties.author = "mailflow"
    properties.last_modified_by = "mailflow"
    properties.language = "pt-BR"
    properties.created = FIXED_TIME
    properties.modified = FIXED_TIME
    properties.revision = 1

    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.left_margin = Cm(3), Cm(3)
    section.bottom_margin, section.right_margin = Cm(2), Cm(2)
    section.header_distance = section.footer_distance = Cm(1.25)

    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    fonts = normal.element.rPr.rFonts
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), "Times New Roman")
    # Word's spelling and hyphenation follow the language of the text.
    for language in document.styles.element.iter(qn("w:lang")):
        language.set(qn("w:val"), "pt-BR")
        language.set(qn("w:eastAsia"), "pt-BR")
    document.settings.element.find(qn("w:themeFontLang")).set(qn("w:val"), "pt-BR")
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15

    header = section.header
    add(header, "{{ institution }}", align=CENTER, bold=True, size=11, after=0, first=True)
    add(header, "{{ campus }}", align=CENTER, size=10, after=0)
    ruled = add(header, "{{ program_name }} – {{ program_acronym }}", align=CENTER, size=10)
    bottom_rule(ruled)
    footer = section.footer
    add(footer, "{{ institution }} – {{ campus }}", align=CENTER, size=9, first=True)
    return document


def add(
    container,
    text: str = "",
    *,
    align=JUSTIFY,
    bold: bool = False,
    size: float | None = None,
    before: float = 0,
    after: float = 6,
    indent: float | None = None,
    first: bool = False,
) -> Paragraph:
    """A paragraph (``first``: the empty one a new header/footer/cell already has)."""
    paragraph = container.paragraphs[0] if first else container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)
    if indent is not None:
        paragraph.paragraph_format.left_indent = Cm(indent)
    if text:
        run = paragraph.add_run(text)
        run.bold = bold
        if size is not None:
            run.font.size = Pt(size)
    return paragraph


def bottom_rule(paragraph: Paragraph) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "4"), ("w:color", "auto")):
        bottom.set(qn(name), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def heading(document: DocxDocument, text: str) -> None:
    add(document, text, align=CENTER, bold=True, size=13, before=12, after=18)


def signature(document: DocxDocument, name: str, role: str) -> None:
    add(document, "_" * 45, align=CENTER, before=30, after=0)
    add(document, name, align=CENTER, bold=True, after=0)
    add(document, role, align=CENTER, size=11, after=0)


def member_signatures(document: DocxDocument) -> None:
    add(document, "{%p for m in members %}", after=0)
    signature(document, "{{ m.full_name }}", MEMBER_LINE)
    add(document, "{%p endfor %}", after=0)


def minutes(title: str) -> DocxDocument:
    document = new_document(title)
    heading(document, "ATA DA SESSÃO PÚBLICA DE DEFESA DE DISSERTAÇÃO DE MESTRADO")
    add(
        document,
        "No dia {{ day }} de {{ month_name }} de {{ year }}, às {{ time }}, reuniu-se em "
        "sessão pública a Banca Examinadora designada para avaliar a " + WORK + ", apresentada "
        "como requisito parcial para a obtenção do título de {{ degree }}.",
    )
    add(document, "Local: {{ place }}")
    add(document, "A Banca Examinadora teve a seguinte composição:", before=6)

    table = document.add_table(rows=4, cols=3)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, ("Nome", "Função", "Instituição"), strict=True):
        add(cell, text, align=CENTER, bold=True, size=11, after=0, first=True)
    add(table.rows[1].cells[0], "{%tr for m in members %}", after=0, first=True)
    row = ("{{ m.full_name }}", "{{ m.role_label }}", "{{ m.institution }}")
    for cell, text in zip(table.rows[2].cells, row, strict=True):
        add(cell, text, align=WD_ALIGN_PARAGRAPH.LEFT, size=11, after=0, first=True)
    add(table.rows[3].cells[0], "{%tr endfor %}", after=0, first=True)
    for column, width in enumerate((Cm(7.5), Cm(5), Cm(3.5))):
        for cell in table.columns[column].cells:
            cell.width = width

    add(
        document,
        "Aberta a sessão por seu(sua) presidente, {{ advisor }}, o(a) candidato(a) expôs o "
        "trabalho e, em seguida, foi arguido(a) pelos membros da Banca Examinadora. "
        "Encerrada a arguição, a Banca reuniu-se reservadamente e deliberou pelo seguinte "
        "resultado:",
        before=12,
    )
    add(document, "{{ result }}", align=CENTER, bold=True, size=14, before=6, after=12)
    add(
        document,
        "Nada mais havendo a tratar, a sessão foi encerrada e lavrou-se a presente ata, que, "
        "lida e aprovada, vai assinada pelos membros da Banca Examinadora.",
    )
    add(document, "{{ city }}, {{ date_long }}.", align=RIGHT, before=12)
    member_signatures(document)
    return document


def declaration(title: str, capacity: str) -> DocxDocument:
    document = new_document(title)
    heading(document, "DECLARAÇÃO")
    add(
        document,
        "Declaro, para os devidos fins, que {{ member.full_name }}{% if member.institution %}"
        " ({{ member.institution }}){% endif %} participou, na qualidade de " + capacity + ", "
        "da sessão pública de defesa da " + WORK + ", realizada em {{ date_long }}, "
        "às {{ time }}.",
        before=12,
    )
    add(document, "Por ser verdade, firmo a presente declaração.")
    add(document, "{{ city }}, {{ today_long }}.", align=RIGHT, before=24)
    signature(document, "{{ coordinator_name }}", "Coordenador(a) do {{ program_name }}")
    return document


def approval_sheet(title: str) -> DocxDocument:
    document = new_document(title)
    add(document, "{{ student }}", align=CENTER, bold=True, before=24, after=36)
    add(document, "{{ title }}", align=CENTER, bold=True, size=13, after=36)
    add(
        document,
        "Dissertação apresentada ao {{ program_name }} ({{ program_acronym }}/"
        "{{ institution_acronym }}) como requisito parcial para a obtenção do título de "
        "{{ degree }}.",
        size=11,
        indent=8,
        after=24,
    )
    add(document, "Aprovado em {{ date_long }}.", before=12, after=24)
    heading(document, "BANCA EXAMINADORA")
    member_signatures(document)
    return document


BUILDERS: dict[str, Callable[[], DocxDocument]] = {
    "ata_aprovado": lambda: minutes("Ata de defesa (aprovado)"),
    "ata_reprovado": lambda: minutes("Ata de defesa (reprovado)"),
    "declaracao_orientador": lambda: declaration(
        "Declaração de orientação", "orientador(a) principal e presidente da Banca Examinadora"
    ),
    "declaracao_coorientador": lambda: declaration("Declaração de coorientação", "coorientador(a)"),
    "declaracao_interno": lambda: declaration(
        "Declaração de participação em banca", "avaliador(a) interno(a) da Banca Examinadora"
    ),
    "declaracao_externo": lambda: declaration(
        "Declaração de participação em banca", "avaliador(a) externo(a) da Banca Examinadora"
    ),
    "folha_aprovacao": lambda: approval_sheet("Folha de aprovação"),
}


# Styles the templates use (and those they are based on); python-docx's starting document
# carries ~160 more, which make every generated file slower to open and to save.
KEPT_STYLES = {
    "Normal",
    "Default Paragraph Font",
    "Normal Table",
    "No List",
    "Header",
    "Header Char",
    "Footer",
    "Footer Char",
    "Table Grid",
}
# Parts of python-docx's starting document that no template needs: Word 2010's duplicate
# of the styles, a bibliography store, and a thumbnail of an unrelated page.
DROPPED_PARTS = ("stylesWithEffects", "customXml", "thumbnail")


def slim(document: DocxDocument) -> None:
    for style in list(document.styles):
        if style.name not in KEPT_STYLES:
            style.delete()
    for rels in (document.part.rels, document.part.package.rels):
        for key, relationship in list(rels.items()):
            if relationship.reltype.rsplit("/", 1)[-1] in DROPPED_PARTS:
                del rels[key]


def reproducible(document: DocxDocument) -> bytes:
    """The .docx with fixed zip timestamps (python-docx stamps the time of saving)."""
    saved = io.BytesIO()
    document.save(saved)
    output = io.BytesIO()
    with (
        zipfile.ZipFile(saved) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(item.filename))
    return output.getvalue()


def build(directory: Path = HERE) -> list[Path]:
    written = []
    for kind, builder in BUILDERS.items():
        path = directory / f"{kind}.docx"
        document = builder()
        slim(document)
        path.write_bytes(reproducible(document))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build():
        print(path.relative_to(HERE.parent.parent))
