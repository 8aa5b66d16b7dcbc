from categorizer.text import document, fold, strip_prefixes


def test_prefixes_removed():
    assert strip_prefixes("Re: RES: Fwd: ENC: Enc: FW: defesa") == "defesa"
    assert strip_prefixes("RES.: Re[2]: acesso") == "acesso"
    assert strip_prefixes("Resumo do seminário") == "Resumo do seminário"


def test_accents_folded():
    assert fold("Solicitação de ACESSO ao Laboratório") == "solicitacao de acesso ao laboratorio"


def test_document_uses_original_subject_of_forwards_and_drops_quotes():
    doc = document("Fwd:", "> texto citado\nDados da banca", "Defesa do João", True)
    assert "Defesa do João" in doc and "texto citado" not in doc
    assert "Dados da banca" in doc
    assert "Defesa" not in document("x", "y", "Defesa", False)
