"""The defence data as plain values: what extraction produces, what documents consume.

No Django models here, so extraction and document generation can be tested (and
benchmarked) alone; services copy these values to and from DefenseRequest rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

ADVISOR = "advisor"
COADVISOR = "coadvisor"
INTERNAL = "internal"
EXTERNAL = "external"
ROLES = (ADVISOR, COADVISOR, INTERNAL, EXTERNAL)

# The required fields, in the order the form asks for them. "room" means "room or link".
REQUIRED_FIELDS = ("student", "title", "date", "time", "room", "advisor", "internal", "external")


# The months as written in Portuguese ("15 de outubro de 2025").
MONTHS = (
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
)
# The months in English (requests in English: "March 5, 2027").
MONTHS_EN = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


@dataclass
class Member:
    role: str  # one of ROLES
    name: str  # without honorific: "Maria da Silva"
    honorific: str = ""  # as written: "Prof. Dr.", "Profª. Drª.", "Dra."
    institution: str = ""  # "Ifes", "UFES", ... ("" when not given)


@dataclass
class DefenseData:
    student: str = ""
    title: str = ""
    date: datetime.date | None = None
    time: datetime.time | None = None
    room: str = ""  # as the secretariat writes it: "207", "Virtual"
    link: str = ""  # the virtual room's URL
    members: list[Member] = field(default_factory=list)

    def by_role(self, role: str) -> list[Member]:
        return [m for m in self.members if m.role == role]

    @property
    def advisor(self) -> Member | None:
        found = self.by_role(ADVISOR)
        return found[0] if found else None

    @property
    def coadvisor(self) -> Member | None:
        found = self.by_role(COADVISOR)
        return found[0] if found else None

    def missing_fields(self) -> list[str]:
        """The required fields (REQUIRED_FIELDS codes) that have no value."""
        missing = []
        for name in REQUIRED_FIELDS:
            if name in ("student", "title", "date", "time"):
                empty = not getattr(self, name)
            elif name == "room":
                empty = not (self.room or self.link)
            else:
                empty = not self.by_role(name)
            if empty:
                missing.append(name)
        return missing
