import pytest

from mailflow.text import cut_words


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [
        ("Maria Souza", 200, "Maria Souza"),
        ("  Maria Souza  ", 200, "Maria Souza"),
        # the cut would fall just after a word: no trailing space
        ("Ana Lima Souza", 9, "Ana Lima"),
        # inside a word: back to the word boundary
        ("Ana Lima Souza", 11, "Ana Lima"),
        # nothing but one long word: cut inside it
        ("a" * 30, 10, "a" * 10),
        # no stray comma left at the end
        ("Universidade Federal, Vitória", 22, "Universidade Federal"),
        # a dot is part of a word ("J.")
        ("Maria J. Souza", 9, "Maria J."),
    ],
)
def test_cut_words(value, limit, expected):
    assert cut_words(value, limit) == expected


def test_a_300_character_name_fits_200_on_a_word_boundary():
    name = ("Maria Rosa " + "Fernanda Nogueira " * 20)[:300].strip()
    assert name[:200].endswith(" ")  # where a plain [:200] would leave a trailing space
    cut = cut_words(name, 200)
    assert len(cut) <= 200 and cut == cut.strip()
    assert name.startswith(cut) and name[len(cut)] == " "
