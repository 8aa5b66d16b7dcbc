"""Generated parts of the "Decisions by email" hostile messages (too big for a file)."""

from __future__ import annotations

import secrets


def guessed_references(right: str, *, count: int = 20_000, domain: str = "ifes.edu.br") -> str:
    """A References value of `count` Message-IDs, folded one per line: guesses, with the
    `right` one (our authorisation request's, without angle brackets) last, as a forger
    who cannot tell which guess is right would send them all."""
    guesses = [f"<{secrets.token_hex(16)}@{domain}>" for _ in range(count - 1)]
    return "\r\n ".join([*guesses, f"<{right}>"])
