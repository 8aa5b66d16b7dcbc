"""What one part of a message was found to say, before the parts are weighed together.

Each value keeps where it was read (its own label, another field's line, running text):
the lower priority wins. Members come in groups by role, from a role's label or from a
committee list. Names with no clear role and problems for staff are kept apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from defesa.data import Member

# Where a value was read; a lower number wins over a higher one.
LABELLED = 0  # the value of its own label
SIDE = 1  # found on another field's line ("Data: 15/10/2025 às 14h")
PROSE = 2  # found in running text
# Member groups: a role label beats a committee list ("Banca:", prose, a members table).
GROUP_LABELLED = 0
GROUP_COMMITTEE = 1


@dataclass
class Value:
    field: str
    value: object
    priority: int


@dataclass
class Group:
    """Members read for one role, from its label or from a committee list (``priority``)."""

    role: str
    priority: int
    members: list[Member]


@dataclass
class Findings:
    values: list[Value] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    unclear: list[str] = field(default_factory=list)  # names of members with no clear role
    problems: list[str] = field(default_factory=list)
    labels: int = 0  # form labels read, empty ones included
    best: dict[str, int] = field(default_factory=dict)  # field -> best priority read

    def found_nothing(self) -> bool:
        return not (self.values or self.groups or self.unclear or self.labels)

    def add(self, name: str, value: object, priority: int) -> None:
        self.values.append(Value(name, value, priority))
        self.best[name] = min(priority, self.best.get(name, priority))

    def has(self, name: str, priority: int) -> bool:
        return self.best.get(name, priority + 1) <= priority

    def problem(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)
