"""Small text helpers shared by the workflows."""

from __future__ import annotations

# What a cut value never ends with.
_TRAILING = " \t\n,;:-–—"


def cut_words(value: str, limit: int) -> str:
    """`value` in at most `limit` characters: cut at the last word boundary that fits (a
    single word longer than the limit is cut inside), never ending in a space or a stray
    comma."""
    value = value.strip()
    if len(value) <= limit:
        return value
    head = value[: limit + 1]
    boundary = max(head.rfind(" "), head.rfind("\t"), head.rfind("\n"))
    cut = head[:boundary] if boundary > 0 else value[:limit]
    return cut.rstrip(_TRAILING) or value[:limit].rstrip()
