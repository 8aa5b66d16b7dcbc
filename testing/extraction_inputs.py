"""The worst inputs for the defence data reader: the extraction tests read them without error
and bench/defesa.py times them."""

HOSTILE = {
    "spaces": "Aluno:" + " " * 100_000 + "x",
    "parentheses": "Banca: " + "(" * 50_000,
    "commas": "Banca: " + "Prof. A, " * 10_000,
    "member lines": "Banca:\n" + "Prof. Dr. Fulano de Tal (UFES)\n" * 5_000,
    "prose": "A banca será composta pelos professores " + "Dr. A (Ifes), " * 5_000,
    "thanks and labels": "Obrigado!\nAluno: X\n" * 5_000,
    "digits": "Horário: " + "1" * 100_000,
    "headers": "De: a@b.c\nAssunto: x\nPara: y\n\n" * 3_000,
}


HOSTILE_HTML = {
    "unclosed tags": "<a " * 20_000,
    "nested tables": "<table>" * 3_000 + "x",
    "cells without table": "<td>" * 10_000,
    "deep quotes": "<blockquote>" * 5_000 + "Aluno: X",
}
