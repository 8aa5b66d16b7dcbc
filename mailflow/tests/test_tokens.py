"""Message-IDs: 128 random bits from `secrets`, signed for their case and purpose."""

import math
import re
import secrets
from collections import Counter

import pytest

from mailflow import tokens
from sender import services as outbox

ID = re.compile(r"^(?P<nonce>[a-z2-7]{26})\.(?P<tag>[a-z2-7]{26})@ppcomp\.example$")


def test_a_message_id_is_a_random_nonce_and_a_tag(settings):
    made = tokens.message_id(domain="ppcomp.example", signed_for="access:1:authorisation_request")
    assert ID.match(made)
    assert tokens.verifies(made, signed_for="access:1:authorisation_request")
    # another request, another purpose, another key: no
    assert not tokens.verifies(made, signed_for="access:2:authorisation_request")
    assert not tokens.verifies(made, signed_for="access:1:credentials")
    settings.MAILFLOW_DECISION_KEY = "another-key"
    assert not tokens.verifies(made, signed_for="access:1:authorisation_request")


@pytest.mark.parametrize(
    "tampered",
    [
        lambda m: m.replace(".", ".a", 1)[:-1],  # a tag one character off
        lambda m: m.split(".")[0] + "@ppcomp.example",  # no tag
        lambda m: ("c" if m[0] == "b" else "b") + m[1:],  # another nonce, same tag
        lambda m: "",
        lambda m: "no-dot@ppcomp.example",
    ],
)
def test_a_tampered_message_id_does_not_verify(tampered):
    made = tokens.message_id(domain="ppcomp.example", signed_for="access:1:authorisation_request")
    assert not tokens.verifies(tampered(made), signed_for="access:1:authorisation_request")


def test_without_a_key_ids_are_random_and_nothing_verifies(settings):
    settings.MAILFLOW_DECISION_KEY = ""
    made = tokens.message_id(domain="ppcomp.example", signed_for="k")
    assert re.fullmatch(r"[a-z2-7]{26}@ppcomp\.example", made)
    assert not tokens.verifies(made, signed_for="k")


def test_the_nonce_comes_from_secrets(monkeypatch):
    calls = []

    def token_bytes(n):
        calls.append(n)
        return b"\x00" * n

    monkeypatch.setattr(secrets, "token_bytes", token_bytes)
    made = tokens.message_id(domain="ppcomp.example", signed_for="k")
    assert calls == [16] and made.startswith("a" * 26 + ".")


def test_312_consecutive_outbox_ids_do_not_predict_the_next(settings):
    """Hole 3: make_msgid used `random` (Mersenne Twister: 624 outputs of 32 bits, i.e. 312
    IDs, give its state). Now the nonce is 128 bits from `secrets`, so we check what a
    test can: every ID is new, 26 base32 characters (130 bits holding 128), no character
    position is fixed, and the characters are spread as random ones are."""
    settings.MAILFLOW_MESSAGE_ID_DOMAIN = "ppcomp.example"
    ids = [outbox.new_message_id(key=f"email:{i}:reply") for i in range(313)]
    nonces = [ID.match(i).group("nonce") for i in ids]
    assert len(set(nonces)) == 313
    for position in range(25):  # the 26th holds the last 3 bits, padded with zeros
        assert len({n[position] for n in nonces}) > 16
    counts = Counter("".join(nonces))
    total = sum(counts.values())
    entropy = -sum(c / total * math.log2(c / total) for c in counts.values())
    assert entropy > 4.9  # of at most log2(32) = 5 bits per character
    # the next one is none of them and shares no long prefix with the last
    following = ID.match(outbox.new_message_id(key="email:313:reply")).group("nonce")
    assert following not in nonces
    assert max(len(_common_prefix(following, n)) for n in nonces) < 6


def _common_prefix(a: str, b: str) -> str:
    out = []
    for x, y in zip(a, b, strict=True):
        if x != y:
            break
        out.append(x)
    return "".join(out)


def test_the_trial_key_is_kept_in_var(tmp_path):
    first = tokens.trial_decision_key(tmp_path)
    assert len(first) >= 40
    assert tokens.trial_decision_key(tmp_path) == first
    assert (tmp_path / "decision_key").stat().st_mode & 0o777 == 0o600
