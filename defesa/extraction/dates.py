"""Dates and times as people write them: "15/10/2025", "15/10/25", "15 de outubro de 2025",
"2025-10-15", in English "March 5, 2027"; "14h", "14h30", "14:00h", "às 9 horas", "9h00min",
"2 pm".

The patterns match folded text (text.fold). A date or time that is written but impossible
("32/13/2025", "25h") is a problem for staff, not a value.
"""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _

from defesa.data import MONTHS, MONTHS_EN
from defesa.extraction.text import LazyPattern, fold

_MONTHS = {fold(name): number for number, name in enumerate(MONTHS, 1)}


MONTH_NAMES = "|".join(
    [*_MONTHS, "jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"]
)


# All on folded text.
_DATE_ISO = LazyPattern(r"(?<![\d/.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d/-])")


_DATE_NUMERIC = LazyPattern(
    r"(?<![\d/.-])(\d{1,2})\s?([/.-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?!\d)"
)


_DATE_WORDS = LazyPattern(
    rf"(?<!\d)(\d{{1,2}})\s?[º°o]?\s*(?:de\s+|/\s*)?({MONTH_NAMES})\b\.?\s*(?:de\s+|/\s*)?(\d{{4}})(?!\d)"
)


_EN_MONTHS = {name: number for number, name in enumerate(MONTHS_EN, 1)}
_EN_MONTH = "|".join(_EN_MONTHS)
# "March 5, 2027", "May 13th 2027"; "5 March 2027", "15th of April, 2027"
_DATE_ENGLISH = LazyPattern(
    rf"\b(?P<month>{_EN_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})(?!\d)"
    rf"|(?<!\d)(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month2>{_EN_MONTH}),?\s+"
    rf"(?P<year2>\d{{4}})(?!\d)"
)


_DATE_NO_YEAR = LazyPattern(
    rf"(?<![\d/.-])(\d{{1,2}})/(\d{{1,2}})(?![\d/])|(?<!\d)(\d{{1,2}})\s+de\s+({MONTH_NAMES})\b"
)


DATE_PLACEHOLDER_RE = LazyPattern(
    r"d{1,2}\s*/\s*m{1,2}\s*/\s*a{2,4}|_{1,2}\s*/\s*_{1,2}\s*/\s*_{2,4}"
)


_UNITS = ["um", "dois", "tres", "quatro", "cinco", "seis", "sete", "oito", "nove"]
_NUMBER_WORDS = {
    "primeiro": 1, "uma": 1, "duas": 2,
    **{word: n for n, word in enumerate(_UNITS, 1)},
    **{word: n for n, word in enumerate(
        ["dez", "onze", "doze", "treze", "quatorze", "quinze", "dezesseis", "dezessete",
         "dezoito", "dezenove"], 10)},
    "catorze": 14, "vinte": 20, "trinta": 30,
    **{f"vinte e {word}": 20 + n for n, word in enumerate(_UNITS, 1)},
    "trinta e um": 31,
}  # fmt: skip
_NUMBER_WORD = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
# "oito de julho", "dia quinze de junho" (folded): a day in words before its month.
_DAY_IN_WORDS = LazyPattern(rf"\b(?P<number>{_NUMBER_WORD})(?=\s+de\s+(?:{MONTH_NAMES})\b)")
# "às duas da tarde", "às 2 da tarde", "às dez horas", "às nove e meia da manhã".
_HOUR_IN_WORDS = LazyPattern(
    rf"\b(?P<lead>[aà]s|a|at)\s+(?P<number>{_NUMBER_WORD}|\d{{1,2}})"
    r"(?P<half>\s+e\s+meia)?(?P<hours>\s+horas?)?"
    r"(?P<part>\s+(?:da|de)\s+(?:tarde|noite|manha)|\s+in\s+the\s+(?:afternoon|morning|evening))?"
)


_ABBREVIATED = ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"]
# "22/jun", "15-jun": a day and an abbreviated month.
_DAY_SLASH_MONTH = LazyPattern(
    r"(?<![\d/])(?P<day>\d{1,2})\s?[/-]\s?(?P<month>" + "|".join(_ABBREVIATED) + r")\b\.?"
    r"(?:\s?[/-]\s?(?P<year>\d{4})(?!\d))?"
)


def spell_numbers(folded: str) -> str:
    """``folded`` with days and hours written in words as digits, as long as it ("oito de
    julho" -> "8    de julho", "às duas da tarde" -> "às 14h ...", "22/jun" -> "22/06 "):
    offsets stay valid."""

    def day(match: re.Match[str]) -> str:
        number = str(_NUMBER_WORDS[match["number"]])
        return number.ljust(len(match[0]))

    def hour(match: re.Match[str]) -> str:
        if not (match["hours"] or match["part"] or match["half"]):
            return match[0]  # "a uma" alone: not an hour
        word = match["number"]
        value = int(word) if word.isdigit() else _NUMBER_WORDS[word]
        if word.isdigit() and not match["part"]:
            return match[0]  # "às 10 horas": read as written
        part = match["part"] or ""
        if ("tarde" in part or "noite" in part or "afternoon" in part or "evening" in part) and (
            value < 12
        ):
            value += 12
        if value > 23:
            return match[0]
        clock = f"{value}h{'30' if match['half'] else ''}"
        written = match[0][match.start("number") - match.start() :]
        head = match[0][: match.start("number") - match.start()]
        return head + clock.ljust(len(written))

    def day_month(match: re.Match[str]) -> str:
        month = _ABBREVIATED.index(match["month"]) + 1
        year = f"/{match['year']}" if match["year"] else ""
        return f"{match['day']}/{month:02d}{year}".ljust(len(match[0]))

    folded = _DAY_SLASH_MONTH.sub(day_month, folded)
    return _HOUR_IN_WORDS.sub(hour, _DAY_IN_WORDS.sub(day, folded))


def find_date(folded: str) -> tuple[re.Match[str], tuple[int, int, int]] | None:
    """The first date written in ``folded``: (match, (year, month, day)) unchecked."""
    found: list[tuple[int, re.Match[str], tuple[int, int, int]]] = []
    if match := _DATE_ISO.search(folded):
        found.append((match.start(), match, (int(match[1]), int(match[2]), int(match[3]))))
    if match := _DATE_NUMERIC.search(folded):
        year = int(match[4])
        year += 2000 if len(match[4]) == 2 else 0
        found.append((match.start(), match, (year, int(match[3]), int(match[1]))))
    if match := _DATE_WORDS.search(folded):
        month = _MONTHS.get(match[2]) or next(m for k, m in _MONTHS.items() if k[:3] == match[2])
        found.append((match.start(), match, (int(match[3]), month, int(match[1]))))
    if match := _DATE_ENGLISH.search(folded):
        month = _EN_MONTHS[match["month"] or match["month2"]]
        day, year = int(match["day"] or match["day2"]), int(match["year"] or match["year2"])
        found.append((match.start(), match, (year, month, day)))
    if not found:
        return None
    _, match, ymd = min(found, key=lambda item: item[0])
    return match, ymd


def year_for(day: int, month: int, reference: datetime.date | None) -> int | None:
    """The year of a date written without one: the first such date from a month before
    the email on (defences are announced ahead)."""
    base = reference or datetime.datetime.now(datetime.UTC).date()
    for year in (base.year, base.year + 1):
        try:
            candidate = datetime.date(year, month, day)
        except ValueError:
            return None
        if candidate >= base - datetime.timedelta(days=31):
            return year
    return base.year + 1


def read_date(
    text: str, reference: datetime.date | None = None
) -> tuple[datetime.date | None, tuple[int, int] | None, str | None]:
    """(date, span of the date in ``text``, problem) for a date field's value; a date
    without its year ("22/06 (seg.)") is the next one from ``reference`` when given."""
    folded = spell_numbers(fold(text))
    hit = find_date(folded)
    if hit is None:
        short = _DATE_NO_YEAR.search(folded)
        if short and reference is not None:
            day, month = (short[1], short[2]) if short[1] else (short[3], short[4])
            month_n = int(month) if month.isdigit() else _MONTHS.get(month)
            if month_n is None:
                month_n = next((m for k, m in _MONTHS.items() if k[:3] == month), None)
            year = year_for(int(day), month_n, reference) if month_n else None
            if year is not None:
                try:
                    return datetime.date(year, month_n, int(day)), short.span(), None
                except ValueError:
                    pass
        if short:
            return None, None, _("the date “%(value)s” has no year") % {"value": text.strip()}
        return None, None, _("the date “%(value)s” could not be read") % {"value": text.strip()}
    match, (year, month, day) = hit
    try:
        if not 1990 <= year <= 2100:
            raise ValueError(year)
        return datetime.date(year, month, day), match.span(), None
    except ValueError:
        written = text[match.start() : match.end()].strip()
        return (
            None,
            match.span(),
            _("the date “%(value)s” is not a valid date") % {"value": written},
        )


def parse_date(value: str) -> datetime.date | None:
    """The date written in ``value`` ("15/10/2025", "15/10/25", "15 de outubro de 2025",
    "2025-10-15", "dia 15/10/2025 (quarta-feira)"); None when there is none.

    Raises ValueError (with the problem as message) for an impossible date ("32/13/2025").
    """
    date, span, problem = read_date(value)
    if date is None and span is not None:
        raise ValueError(problem)
    return date


# "14:00", "14:00h", "9h", "14h30", "9h00min", "14 horas", "14hs"; in English "2 pm",
# "2:30 p.m.", "14 horas e 30 minutos" (folded text). Groups: hour, minute, meridiem,
# minute, minutes, meridiem.
_MERIDIEM = r"([ap])\.?\s?m\b\.?"
TIME = LazyPattern(
    rf"(?<![\d/:.,])(\d{{1,2}})\s?(?::\s?(\d{{2}})(?:\s?(?:h|hs|hrs?|horas?|min)\b|\s?{_MERIDIEM})?"
    r"|\s?(?:h|hs|hrs?|horas?)(?:\s?(\d{2})(?:\s?min(?:utos)?)?|\s+e\s+(\d{1,2})\s+min(?:utos)?)?"
    r"(?![a-z\d])"
    rf"|\s?{_MERIDIEM})"
)


TIME_PLACEHOLDER_RE = LazyPattern(
    r"^(?:0?0\s?[:h]\s?00\s?h?|hh\s?:\s?mm\s?h?|_{1,2}\s?:\s?_{1,2}\s?h?)$"
)


def read_time(text: str) -> tuple[datetime.time | None, bool, str | None]:
    """(time, whether a time was written, problem) for a time field's value."""
    match = TIME.search(spell_numbers(fold(text)))
    if match is None:
        return None, False, _("the time “%(value)s” could not be read") % {"value": text.strip()}
    hour, minute = int(match[1]), int(match[2] or match[4] or match[5] or 0)
    meridiem = match[3] or match[6]
    if meridiem and 1 <= hour <= 12:
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    if hour > 23 or minute > 59:
        written = text[match.start() : match.end()].strip()
        return None, True, _("the time “%(value)s” is not a valid time") % {"value": written}
    return datetime.time(hour, minute), True, None


def parse_time(value: str) -> datetime.time | None:
    """The time written in ``value`` ("14h", "14h30", "14:00h", "às 9 horas", "9h00min");
    None when there is none. Raises ValueError for an impossible time ("25h")."""
    found, written, problem = read_time(value)
    if found is None and written:
        raise ValueError(problem)
    return found
