"""The defence documents: .docx templates (docxtpl/Jinja2), their validation and rendering.

A template is a Word file with placeholders such as ``{{ student }}``; PLACEHOLDERS lists
every name a template may use. Each document kind has a shipped default
(defesa/default_templates/<kind>.docx, written by ``python -m defesa.default_templates.build``)
that an uploaded template may replace. Documents are always written in pt-BR, whatever the
language of the user interface, so their words (months, roles) are not translated.

Dates: the first day of a month is written as an ordinal, "1º de março de 2026", as the
Brazilian official writing style (Manual de Redação da Presidência da República) asks;
every other day is a cardinal number, "15 de outubro de 2025".
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from defesa.data import ADVISOR, COADVISOR, EXTERNAL, INTERNAL, MONTHS, DefenseData, Member

# python-docx, docxtpl, lxml and Jinja are imported by the functions that open or render a
# template, not with this module: Django imports it when it starts (defesa's steps), and a
# `manage.py` command that writes no document should not pay ~0.15 s for them.
if TYPE_CHECKING:
    from docxtpl import DocxTemplate
    from jinja2 import Template, nodes
    from jinja2.sandbox import SandboxedEnvironment
    from lxml import etree


@dataclass(frozen=True)
class ProgramConfig:
    program_name: str  # "Programa de Pós-Graduação em Computação Aplicada"
    program_acronym: str  # "PPComp"
    institution: str  # "Instituto Federal do Espírito Santo"
    institution_acronym: str  # "Ifes"
    campus: str  # "Campus Serra"
    city: str  # "Serra"
    coordinator_name: str  # "Prof. Dr. Fulano de Tal"
    degree: str  # "Mestre em Computação Aplicada"

    @classmethod
    def from_settings(cls) -> ProgramConfig:
        return cls(
            program_name=settings.MAILFLOW_PROGRAM_NAME,
            program_acronym=settings.MAILFLOW_PROGRAM_ACRONYM,
            institution=settings.MAILFLOW_INSTITUTION,
            institution_acronym=settings.MAILFLOW_INSTITUTION_ACRONYM,
            campus=settings.MAILFLOW_CAMPUS,
            city=settings.MAILFLOW_CITY,
            coordinator_name=settings.MAILFLOW_COORDINATOR_NAME,
            degree=settings.MAILFLOW_DEGREE,
        )


ATA_APROVADO = "ata_aprovado"
ATA_REPROVADO = "ata_reprovado"
DECLARACAO_ORIENTADOR = "declaracao_orientador"
DECLARACAO_COORIENTADOR = "declaracao_coorientador"
DECLARACAO_INTERNO = "declaracao_interno"
DECLARACAO_EXTERNO = "declaracao_externo"
FOLHA_APROVACAO = "folha_aprovacao"

DOCUMENT_KINDS: dict[str, str] = {
    ATA_APROVADO: _("Defence minutes (approved)"),
    ATA_REPROVADO: _("Defence minutes (failed)"),
    DECLARACAO_ORIENTADOR: _("Declaration: main advisor"),
    DECLARACAO_COORIENTADOR: _("Declaration: co-advisor"),
    DECLARACAO_INTERNO: _("Declaration: internal member"),
    DECLARACAO_EXTERNO: _("Declaration: external member"),
    FOLHA_APROVACAO: _("Approval sheet"),
}

APROVADO = "APROVADO"
REPROVADO = "REPROVADO"
RESULT_BY_KIND = {ATA_APROVADO: APROVADO, ATA_REPROVADO: REPROVADO}

# The declarations: one document per member of this role.
DECLARATION_ROLES = {
    DECLARACAO_ORIENTADOR: ADVISOR,
    DECLARACAO_COORIENTADOR: COADVISOR,
    DECLARACAO_INTERNO: INTERNAL,
    DECLARACAO_EXTERNO: EXTERNAL,
}

MEMBER_FIELDS: dict[str, str] = {
    "name": _("name without honorific"),
    "honorific": _("honorific, e.g. “Prof. Dr.”"),
    "full_name": _("honorific and name"),
    "role": _("advisor, coadvisor, internal or external"),
    "role_label": _("the role in Portuguese, e.g. “Avaliador(a) externo(a)”"),
    "institution": _("institution"),
}
_MEMBER_DESCRIPTION = ", ".join(MEMBER_FIELDS)

PLACEHOLDERS: dict[str, str] = {
    "student": _("the student's full name"),
    "title": _("the dissertation's title"),
    "date": _("the defence date, dd/mm/aaaa"),
    "date_long": _("the defence date in full, e.g. “15 de outubro de 2025”"),
    "day": _("the defence day, e.g. “15” (“1º” on the first of a month)"),
    "month_name": _("the defence month, e.g. “outubro”"),
    "year": _("the defence year, e.g. “2025”"),
    "time": _("the defence time, e.g. “14:00”"),
    "room": _("the room as written, e.g. “207” or “Virtual”"),
    "link": _("the virtual room's link (may be empty)"),
    "place": _("where: “Sala 207”, or “Sala virtual: <link>”"),
    "advisor": _("the main advisor, honorific and name"),
    "advisor_institution": _("the main advisor's institution"),
    "coadvisor": _("the co-advisor, honorific and name (empty when there is none)"),
    "coadvisor_institution": _("the co-advisor's institution"),
    "members": _(
        "every committee member, in order; each has name, honorific, full_name, role, "
        "role_label and institution"
    ),
    "internal_members": _("the internal members (same fields as members)"),
    "external_members": _("the external members (same fields as members)"),
    "member": _("the member a declaration is about (same fields as members)"),
    "result": _("the result in the minutes: “APROVADO” or “REPROVADO”"),
    "program_name": _("the program's name"),
    "program_acronym": _("the program's acronym"),
    "institution": _("the institution's name"),
    "institution_acronym": _("the institution's acronym"),
    "campus": _("the campus"),
    "city": _("the city, as dated documents write it"),
    "coordinator_name": _("the program coordinator's name"),
    "degree": _("the degree, e.g. “Mestre em Computação Aplicada”"),
    "today_long": _("the generation date in full, e.g. “20 de outubro de 2025”"),
}

ROLE_LABELS = {
    ADVISOR: "Orientador(a) e presidente",
    COADVISOR: "Coorientador(a)",
    INTERNAL: "Avaliador(a) interno(a)",
    EXTERNAL: "Avaliador(a) externo(a)",
}
_ROLE_ORDER = {role: position for position, role in enumerate(ROLE_LABELS)}

MAX_TEMPLATE_BYTES = 10 * 1024 * 1024
MAX_FILE_NAME = 120

_MEMBER_LISTS = {"members", "internal_members", "external_members"}
_DOCX_URI_HEADER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
_DOCX_URI_FOOTER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"
_FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_CORE_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

# Braces that look like a placeholder but that Jinja would print as text.
_STRAY_BRACES = re.compile(
    r"\{\{\{|\}\}\}"  # three braces
    r"|\{\s+[{%]|[}%]\s+\}"  # "{ {", "{ %", "} }", "% }"
    r"|(?<!\{)\{\s*[A-Za-z_][\w.]*\s*\}(?!\})"  # "{student}"
)
_DELIMITERS = re.compile(r"\{\{|\}\}|\{%|%\}")
_CLOSER = {"{{": "}}", "{%": "%}"}


class TemplateInvalid(Exception):
    """An uploaded template that cannot be used; ``names`` lists what is wrong in it."""

    def __init__(self, message: str, names: list[str] | None = None) -> None:
        super().__init__(message)
        self.names = names or []


class IncompleteDefenseData(ValueError):
    """The defence lacks data every document needs (``fields``: REQUIRED_FIELDS codes)."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(
            gettext("The defence data is incomplete: %(fields)s.") % {"fields": ", ".join(fields)}
        )
        self.fields = fields


class PdfConversionError(RuntimeError):
    """LibreOffice is missing, failed, or took too long."""


@dataclass
class GeneratedFile:
    kind: str
    filename: str
    content: bytes
    member: Member | None


@functools.cache
def _environment() -> SandboxedEnvironment:
    """The Jinja environment every template renders in (made on first use)."""
    from jinja2.sandbox import SandboxedEnvironment

    class _Environment(SandboxedEnvironment):
        """Templates come from uploads: the sandbox keeps them from reaching Python
        internals, and autoescaping keeps "&" or "<" in a title from breaking the
        document's XML."""

        def from_string(
            self,
            source: str | nodes.Template,
            globals: Any = None,  # the name Jinja's signature uses
            template_class: type[Template] | None = None,
        ) -> Template:
            if globals is None and template_class is None and isinstance(source, str):
                # docxtpl compiles every part of every document anew; a set renders the
                # same few sources again and again.
                return _compiled(source)
            return super().from_string(source, globals, template_class)

    return _Environment(autoescape=True)


@functools.lru_cache(maxsize=64)
def _compiled(source: str) -> Template:
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment.from_string(_environment(), source)


# --- Values -------------------------------------------------------------------------------


def portuguese_date(d: date) -> str:
    """The date in full: 15 de outubro de 2025; the first of a month is 1º de março de 2026."""
    return f"{_day(d)} de {MONTHS[d.month - 1]} de {d.year}"


def _day(d: date) -> str:
    return "1º" if d.day == 1 else str(d.day)


def member_context(member: Member, config: ProgramConfig) -> dict[str, str]:
    institution = member.institution.strip()
    if not institution and member.role in (ADVISOR, INTERNAL):
        # The advisor and the internal members belong to the program's institution.
        institution = config.institution_acronym
    name = member.name.strip()
    honorific = member.honorific.strip()
    return {
        "name": name,
        "honorific": honorific,
        "full_name": f"{honorific} {name}".strip(),
        "role": member.role,
        "role_label": ROLE_LABELS.get(member.role, ""),
        "institution": institution,
    }


def _place(data: DefenseData) -> str:
    room = data.room.strip()
    link = data.link.strip()
    virtual = not room or _ascii_fold(room).lower() in ("virtual", "sala virtual", "online")
    if virtual:
        return f"Sala virtual: {link}" if link else "Sala virtual"
    if room[0].isdigit():
        room = f"Sala {room}"
    return f"{room} (transmissão: {link})" if link else room


def document_context(
    data: DefenseData,
    config: ProgramConfig,
    *,
    result: str = "",
    member: Member | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """The values of every placeholder (PLACEHOLDERS) for one document of the defence."""
    members = sorted(data.members, key=lambda m: _ROLE_ORDER.get(m.role, len(_ROLE_ORDER)))
    member_values = [member_context(m, config) for m in members]
    advisor = member_context(data.advisor, config) if data.advisor else None
    coadvisor = member_context(data.coadvisor, config) if data.coadvisor else None
    today = today or timezone.localdate()
    return {
        "student": data.student.strip(),
        "title": data.title.strip(),
        "date": data.date.strftime("%d/%m/%Y") if data.date else "",
        "date_long": portuguese_date(data.date) if data.date else "",
        "day": _day(data.date) if data.date else "",
        "month_name": MONTHS[data.date.month - 1] if data.date else "",
        "year": str(data.date.year) if data.date else "",
        "time": data.time.strftime("%H:%M") if data.time else "",
        "room": data.room.strip(),
        "link": data.link.strip(),
        "place": _place(data),
        "advisor": advisor["full_name"] if advisor else "",
        "advisor_institution": advisor["institution"] if advisor else "",
        "coadvisor": coadvisor["full_name"] if coadvisor else "",
        "coadvisor_institution": coadvisor["institution"] if coadvisor else "",
        "members": member_values,
        "internal_members": [v for v in member_values if v["role"] == INTERNAL],
        "external_members": [v for v in member_values if v["role"] == EXTERNAL],
        "member": member_context(member, config) if member else None,
        "result": result,
        "program_name": config.program_name,
        "program_acronym": config.program_acronym,
        "institution": config.institution,
        "institution_acronym": config.institution_acronym,
        "campus": config.campus,
        "city": config.city,
        "coordinator_name": config.coordinator_name,
        "degree": config.degree,
        "today_long": portuguese_date(today),
    }


# --- Templates ----------------------------------------------------------------------------


@functools.cache
def default_template(kind: str) -> bytes:
    """The shipped .docx for a document kind."""
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    return (resources.files("defesa.default_templates") / f"{kind}.docx").read_bytes()


def validate_template(content: bytes, *, kind: str | None = None) -> None:
    """Raise TemplateInvalid unless ``content`` is a .docx whose placeholders all render.

    Checks each part docxtpl renders (body, headers, footers, footnotes, core properties)
    on its own, after docxtpl's own clean-up of Word's runs, so that an error names where
    it is. This is what DocxTemplate.get_undeclared_template_variables does, per part:
    that method joins the parts, which hides where a syntax error is, and skips footnotes.
    With ``kind``, minutes must not print the other result word (the prototype's bug).
    """
    if len(content) > MAX_TEMPLATE_BYTES:
        raise TemplateInvalid(
            gettext("The file is larger than %(size)d MB.")
            % {"size": MAX_TEMPLATE_BYTES // (1024 * 1024)}
        )
    from jinja2 import TemplateSyntaxError, meta

    template = _open_template(content)
    problems: list[str] = []
    names: list[str] = []
    unknown: set[str] = set()
    for where, source, texts in _template_parts(template):
        malformed = [fragment for text in texts for fragment in _malformed(text)]
        for fragment in malformed:
            names.append(fragment)
            problems.append(
                gettext("Malformed placeholder “%(text)s” in %(where)s.")
                % {"text": fragment, "where": where}
            )
        if malformed:
            continue  # Jinja's error would only repeat it, less clearly.
        try:
            ast = _environment().parse(source)
        except TemplateSyntaxError as exc:
            near = _line_text(source, exc.lineno)
            names.append(near)
            problems.append(
                gettext("Syntax error in %(where)s, near “%(near)s”: %(error)s.")
                % {"where": where, "near": near, "error": str(exc.message or exc).rstrip(".")}
            )
            continue
        unknown |= meta.find_undeclared_variables(ast)
        for attribute in _bad_attributes(ast):
            names.append(attribute)
            if attribute.rpartition(".")[2].startswith("_"):
                message = gettext("“%(name)s” in %(where)s is not allowed.")
            else:
                message = gettext(
                    "Unknown member field “%(name)s” in %(where)s (known: %(fields)s)."
                )
            problems.append(
                message % {"name": attribute, "where": where, "fields": _MEMBER_DESCRIPTION}
            )
        if kind in RESULT_BY_KIND:
            wrong = APROVADO if RESULT_BY_KIND[kind] == REPROVADO else REPROVADO
            if any(re.search(rf"\b{wrong}\b", text) for text in texts):
                names.append(wrong)
                problems.append(
                    gettext("These minutes must not say “%(word)s”: use {{ result }}.")
                    % {"word": wrong}
                )
    unknown -= set(PLACEHOLDERS) | set(_environment().globals)
    if unknown:
        names[:0] = sorted(unknown)
        problems.insert(
            0,
            gettext("Unknown placeholders: %(names)s.") % {"names": ", ".join(sorted(unknown))},
        )
    if problems:
        raise TemplateInvalid(" ".join(problems), names)


def _open_template(content: bytes) -> DocxTemplate:
    from docx.opc.exceptions import PackageNotFoundError
    from docxtpl import DocxTemplate
    from lxml import etree

    template = DocxTemplate(io.BytesIO(content))
    try:
        template.init_docx()
    except (
        zipfile.BadZipFile,
        PackageNotFoundError,
        KeyError,
        ValueError,
        etree.XMLSyntaxError,
    ) as exc:
        raise TemplateInvalid(
            gettext("This is not a Word document (.docx): %(error)s") % {"error": exc}
        ) from exc
    return template


def _template_parts(template: DocxTemplate) -> list[tuple[str, str, list[str]]]:
    """(where, Jinja source as docxtpl renders it, paragraph texts) for each part."""
    from docx.opc.oxml import parse_xml

    parts = [(gettext("the document body"), template.docx.element.body)]
    for uri, where in (
        (_DOCX_URI_HEADER, gettext("a page header")),
        (_DOCX_URI_FOOTER, gettext("a page footer")),
    ):
        for _key, part in template.get_headers_footers(uri):
            parts.append((where, parse_xml(part.blob)))
    for part in template.docx.part.package.parts:
        if part.content_type == _FOOTNOTES_TYPE:
            parts.append((gettext("the footnotes"), parse_xml(part.blob)))
    found = []
    for where, element in parts:
        source = template.patch_xml(template.xml_to_string(element))
        # One line per paragraph (as docxtpl renders), so an error's line is its paragraph.
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", source)
        found.append((where, source, _paragraph_texts(element)))
    properties = template.docx.core_properties
    for name in _CORE_PROPERTIES:
        value = getattr(properties, name) or ""
        found.append((gettext("the document properties"), value, [value]))
    return found


def _paragraph_texts(element: etree._Element) -> list[str]:
    return [
        "".join(t.text or "" for t in p.iter(f"{{{_W_NS}}}t"))
        for p in element.iter(f"{{{_W_NS}}}p")
    ]


def _malformed(text: str) -> list[str]:
    """Stray braces, and placeholders or tags not closed within their paragraph."""
    found = [match.group(0) for match in _STRAY_BRACES.finditer(text)]
    if found:
        return found
    opened: re.Match[str] | None = None
    for match in _DELIMITERS.finditer(text):
        token = match.group(0)
        if token in _CLOSER:
            if opened is not None:
                found.append(text[opened.start() : match.start()].strip())
            opened = match
        elif opened is not None and token == _CLOSER[opened.group(0)]:
            opened = None
        else:
            found.append(text[max(match.start() - 30, 0) : match.end()].strip())
            opened = None
    if opened is not None:
        found.append(text[opened.start() : opened.start() + 40].strip())
    return found


def _line_text(source: str, lineno: int | None) -> str:
    lines = source.splitlines() or [""]
    line = lines[min(max((lineno or 1) - 1, 0), len(lines) - 1)]
    text = re.sub(r"<[^>]+>", "", line).strip()
    return text if len(text) <= 80 else text[:77] + "…"


def _bad_attributes(ast: nodes.Template) -> list[str]:
    """``member.nome``-like typos, and any attribute reaching for Python internals."""
    from jinja2 import nodes

    aliases = {"member"}
    for loop in ast.find_all(nodes.For):
        if (
            isinstance(loop.iter, nodes.Name)
            and loop.iter.name in _MEMBER_LISTS
            and isinstance(loop.target, nodes.Name)
        ):
            aliases.add(loop.target.name)
    bad = []
    lookups: list[tuple[nodes.Expr, str]] = [(n.node, n.attr) for n in ast.find_all(nodes.Getattr)]
    lookups += [
        (n.node, n.arg.value)
        for n in ast.find_all(nodes.Getitem)
        if isinstance(n.arg, nodes.Const) and isinstance(n.arg.value, str)
    ]
    for node, attribute in lookups:
        owner = node.name if isinstance(node, nodes.Name) else ""
        if attribute.startswith("_") or (owner in aliases and attribute not in MEMBER_FIELDS):
            bad.append(f"{owner}.{attribute}" if owner else attribute)
    return bad


def render_document(template: bytes, context: dict[str, Any]) -> bytes:
    """The .docx ``template`` with its placeholders replaced by ``context``."""
    from jinja2 import TemplateError

    document = _open_template(template)
    try:
        document.render(context, jinja_env=_environment())
    except TemplateError as exc:
        raise TemplateInvalid(
            gettext("The template cannot be rendered: %(error)s") % {"error": exc}
        ) from exc
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


# --- A document set -----------------------------------------------------------------------


def generate_set(
    data: DefenseData,
    config: ProgramConfig,
    templates: dict[str, bytes] | None = None,
    *,
    today: date | None = None,
) -> list[GeneratedFile]:
    """Every document of the defence: the minutes (both results), one declaration per
    advisor, co-advisor and member, and the approval sheet. ``templates`` replaces the
    shipped defaults for the kinds it holds."""
    missing = data.missing_fields()
    if missing:
        raise IncompleteDefenseData(missing)
    templates = templates or {}
    unknown = set(templates) - set(DOCUMENT_KINDS)
    if unknown:
        raise ValueError(f"unknown document kinds: {', '.join(sorted(unknown))}")
    today = today or timezone.localdate()
    files: list[GeneratedFile] = []
    used: set[str] = set()
    for kind in DOCUMENT_KINDS:
        template = templates.get(kind) or default_template(kind)
        subjects: list[Member | None]
        if kind in DECLARATION_ROLES:
            subjects = list(data.by_role(DECLARATION_ROLES[kind]))
            if kind in (DECLARACAO_ORIENTADOR, DECLARACAO_COORIENTADOR):
                subjects = subjects[:1]
        else:
            subjects = [None]
        for member in subjects:
            context = document_context(
                data, config, result=RESULT_BY_KIND.get(kind, ""), member=member, today=today
            )
            name = _unique(file_name(data, kind, member), used)
            files.append(GeneratedFile(kind, name, render_document(template, context), member))
    return files


def _unique(name: str, used: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    candidate, counter = name, 1
    while candidate in used:
        counter += 1
        candidate = f"{stem}-{counter}{dot}{ext}"
    used.add(candidate)
    return candidate


def _ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return (
        "".join(c for c in decomposed if not unicodedata.combining(c))
        .encode("ascii", "ignore")
        .decode("ascii")
    )


def slug(text: str, max_length: int = 40) -> str:
    """ASCII, lower case, words joined by hyphens: João D'Ávila -> joao-davila."""
    text = re.sub(r"['’ʼ`´]", "", _ascii_fold(text.replace("º", "o").replace("ª", "a")))
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(text) > max_length:
        cut = text[: max_length + 1]
        text = cut.rsplit("-", 1)[0] if "-" in cut else cut[:max_length]
    return text


def file_name(data: DefenseData, kind: str, member: Member | None = None, ext: str = "docx") -> str:
    """A safe name such as 2025-10-15_maria-souza_declaracao-externo_joao-davila.docx: the
    defence's date and student keep two defences apart, the member two declarations."""
    parts = [
        data.date.isoformat() if data.date else "sem-data",
        slug(data.student) or "discente",
        slug(kind, 30),
    ]
    if member is not None:
        parts.append(slug(member.name, 30) or "membro")
    stem = "_".join(parts)[: MAX_FILE_NAME - len(ext) - 4].rstrip("-_")
    return f"{stem}.{ext}"


# --- PDF ----------------------------------------------------------------------------------


def docx_to_pdf(content: bytes, timeout: float = 60) -> bytes:
    """The PDF of a .docx, converted by LibreOffice (``soffice``) if it is installed."""
    return docx_to_pdfs([content], timeout=timeout)[0]


def docx_to_pdfs(contents: list[bytes], timeout: float = 120) -> list[bytes]:
    """The PDFs of several .docx files, in order, with one LibreOffice start (starting it
    costs seconds; converting a page, milliseconds)."""
    if not contents:
        return []
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise PdfConversionError(
            gettext(
                "LibreOffice is not installed (no “soffice” on the PATH): "
                "PDF copies cannot be made."
            )
        )
    with tempfile.TemporaryDirectory(prefix="mailflow-pdf-") as directory:
        folder = Path(directory)
        sources = []
        for number, content in enumerate(contents):
            source = folder / f"document-{number}.docx"
            source.write_bytes(content)
            sources.append(source)
        command = [
            soffice,
            # A profile of its own: a running LibreOffice (or another conversion) would
            # otherwise take the job, or lock the shared profile.
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *(str(source) for source in sources),
        ]
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _out, errors = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            # soffice starts soffice.bin: end the whole process group, not only the wrapper.
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise PdfConversionError(
                gettext("LibreOffice did not convert the document within %(seconds)s s.")
                % {"seconds": timeout}
            ) from exc
        pdfs = [source.with_suffix(".pdf") for source in sources]
        if process.returncode != 0 or not all(pdf.exists() for pdf in pdfs):
            raise PdfConversionError(
                gettext("LibreOffice could not convert the document: %(error)s")
                % {"error": errors.decode("utf-8", "replace").strip()[-500:]}
            )
        return [pdf.read_bytes() for pdf in pdfs]
