"""The defence data in a request email: the secretariat's form, however it was written.

Reads the form's fields from plain text or HTML: the exact labels of the blank form and
their everyday variants, two-column HTML tables, prose ("A defesa da aluna ... será no
dia ..."), a single "Banca:" line with implicit roles, data inside forwarded messages.
Quoted history (">" lines, whatever follows "Em ..., Fulano escreveu:" or an Outlook
"De:/Enviado:" header) is only read when the message itself holds no field at all.
Nothing is guessed: what cannot be read stays empty, with a problem for staff to check.

Pure Python, no models: services copy the result to DefenseRequest rows.
"""

from defesa.extraction.assembly import Extraction, extract_defense, merge_defense
from defesa.extraction.dates import parse_date, parse_time
from defesa.extraction.labels import FORM_LABELS, blank_form
from defesa.extraction.people import split_honorific

__all__ = [
    "FORM_LABELS",
    "Extraction",
    "blank_form",
    "extract_defense",
    "merge_defense",
    "parse_date",
    "parse_time",
    "split_honorific",
]
