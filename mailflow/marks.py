"""What a person reviewing a request sees of its reading: the email's text with each value's
span marked, a line under each field saying where the value came from, and a badge on a
value to check. Shared by the defence and lab-access review pages.

Spans come from stored provenance (defesa and acesso keep them as JSON), so they are not
trusted: they are clamped to the text, and a span overlapping one already marked stays
unmarked rather than nesting or splitting marks. The email's text is escaped piece by piece.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from mailflow import reading

# Rules that read a value from a header or from a person: there is no span by nature.
NO_SPAN_RULES = {"sender", "forward", "staff", "subject", "cc", "attachment"}


@dataclass(frozen=True)
class Span:
    key: str  # the provenance key: "title", "member:1", "student_email"
    start: object  # int expected; anything else (stored JSON) is no span
    end: object
    title: str  # what the mark says when hovered: which field it is
    check: bool = False


def _index(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def span_bounds(start: object, end: object, length: int) -> tuple[int, int] | None:
    """(start, end) clamped to a text of ``length`` characters; None when empty or unusable."""
    start, end = _index(start), _index(end)
    if start is None or end is None:
        return None
    start, end = max(start, 0), min(end, length)
    return (start, end) if start < end else None


def marked_text(text: str, spans: Iterable[Span]) -> SafeString:
    """The text, escaped, with each span in a <mark data-field="key" title="...">. Of
    overlapping spans the earliest (the longest when they start together) is marked."""
    placed = []
    for span in spans:
        bounds = span_bounds(span.start, span.end, len(text))
        if bounds is not None:
            placed.append((bounds, span))
    placed.sort(key=lambda item: (item[0][0], -item[0][1]))
    parts: list[str] = []
    position = 0
    for (start, end), span in placed:
        if start < position:
            continue  # overlaps a mark already placed
        parts.append(escape(text[position:start]))
        parts.append(
            format_html(
                '<mark class="{}" data-field="{}" title="{}">{}</mark>',
                "value-mark to-check" if span.check else "value-mark",
                span.key,
                span.title,
                text[start:end],
            )
        )
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped just above


def source_text(entry: dict | None, text: str) -> str:
    """Where a value came from, for the line under its field: "lido de: uma frase",
    "digitado pela equipe", "não encontrado no texto do e-mail". ``text`` is the text the
    entry's span indexes. "" when nothing is recorded."""
    if not isinstance(entry, dict):
        return ""
    rule = str(entry.get("rule") or "")
    if rule == "staff":
        return reading.rule_label(rule)
    if rule not in NO_SPAN_RULES and (
        span_bounds(entry.get("start"), entry.get("end"), len(text)) is None
    ):
        return _("not found in the email's text")
    if not rule:
        return ""
    source = _("read from: %(source)s") % {"source": reading.rule_label(rule)}
    if entry.get("email"):
        source += " " + _("(in a later email of this case)")
    return source


@dataclass(frozen=True)
class ValueReview:
    """One value as its reviewer sees it."""

    key: str  # the provenance key
    label: str  # the field as staff call it
    value: str  # the value now, as shown in the box of values to check
    source: str  # where it came from ("" when nothing is recorded)
    check: str  # why a person must look at it ("" when nothing to check)

    @property
    def mark_title(self) -> str:
        label = capfirst(self.label)
        if self.check:
            return f"{label} — {pgettext('value mark', 'check')}: {self.check}"
        return label


@dataclass
class Review:
    """A request's values in the order of its page, and the texts their spans index: the
    original email's (key None) and later emails' of the case (by id)."""

    values: dict[str, ValueReview]
    provenance: dict
    texts: dict[int | None, str] = field(default_factory=dict)
    # rows of an inline (committee members) by primary key -> their value's key
    rows: dict[int, str] = field(default_factory=dict)

    @property
    def to_check(self) -> list[ValueReview]:
        return [value for value in self.values.values() if value.check]

    def marked(self, email_id: int | None = None) -> SafeString:
        """The text of the original email (None) or of a later one, with its values marked."""
        spans = []
        for value in self.values.values():
            entry = self.provenance.get(value.key)
            if not isinstance(entry, dict) or entry.get("rule") == "staff":
                continue
            if (entry.get("email") or None) != email_id:
                continue
            start, end = entry.get("start"), entry.get("end")
            spans.append(Span(value.key, start, end, value.mark_title, bool(value.check)))
        return marked_text(self.texts.get(email_id, ""), spans)

    def line(self, key: str) -> SafeString:
        return value_line(self.values.get(key))


def review_build(
    fields: Iterable[tuple[str, str, str]],
    *,
    provenance: dict,
    checks: dict,
    texts: dict[int | None, str],
    rows: dict[int, str] | None = None,
) -> Review:
    """A Review of ``fields`` (key, label, value as shown), in that order."""
    provenance = provenance if isinstance(provenance, dict) else {}
    checks = checks if isinstance(checks, dict) else {}
    values = {}
    for key, label, value in fields:
        entry = provenance.get(key)
        text = texts.get((entry.get("email") or None) if isinstance(entry, dict) else None, "")
        reason = checks.get(key)
        values[key] = ValueReview(
            key=key,
            label=label,
            value=value,
            source=source_text(entry, text),
            check=reading.check_label(str(reason)) if reason else "",
        )
    return Review(values=values, provenance=provenance, texts=texts, rows=rows or {})


def value_line(value: ValueReview | None) -> SafeString:
    """The line under a field: a "verificar" badge with the reason, and where it came from.
    ``data-mark`` ties the field's row to its mark in the email (staff/marks.js)."""
    if value is None or not (value.source or value.check):
        return SafeString("")
    badge = (
        format_html(
            '<span class="check-badge">{}</span> <span class="check-reason">{}</span> ',
            pgettext("value mark", "check"),
            value.check,
        )
        if value.check
        else ""
    )
    return format_html(
        '<span class="value-source" data-mark="{}">{}<span class="source-text">{}</span></span>',
        value.key,
        badge,
        value.source,
    )
