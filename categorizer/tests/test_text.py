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


ACCESS_REQUEST = (
    "Prezada secretaria, meu orientando precisa de acesso aos computadores do laboratório.\n"
)


def test_a_reply_is_judged_on_its_new_text_only():
    body = (
        "Funcionou, obrigado! Já consegui entrar nas máquinas.\n\nCaio\n\n"
        "Em qui., 19 de mar. de 2026 às 15:40, Secretaria <sec@ifes.edu.br> escreveu:\n\n"
        "> Prezado Caio, sua conta foi criada.\n>\n"
        "> Em 12/03/2026 16:33, Henrique escreveu:\n> > " + ACCESS_REQUEST
    )
    doc = document("Re: Acesso aos computadores - Caio", body, in_thread=True)
    assert "Funcionou, obrigado!" in doc
    assert "Acesso aos computadores" not in doc  # the thread's subject
    assert "escreveu" not in doc and "conta foi criada" not in doc and "orientando" not in doc


def test_a_reply_without_quote_marks_loses_everything_from_the_attribution_on():
    body = (
        "Obrigado, consegui.\n\nOn Thu, Mar 19, 2026 at 3:40 PM Secretaria <sec@ifes.edu.br> "
        "wrote:\nPrezado, sua conta foi criada.\n" + ACCESS_REQUEST
    )
    doc = document("Re: conta no laboratório", body, in_thread=True)
    assert doc.strip() == "Obrigado, consegui."


def test_an_outlook_reply_loses_the_header_block_and_what_follows():
    body = (
        "Senha trocada, tudo certo agora. Obrigada!\n\n"
        "De: Secretaria PPComp <ppcomp@ifes.edu.br>\n"
        "Enviado: quinta-feira, 19 de março de 2026 15:40\n"
        "Para: Ana Lima <ana@aluno.ifes.edu.br>\n"
        "Assunto: RE: Senha do laboratório\n\n" + ACCESS_REQUEST
    )
    doc = document("RES: Senha do laboratório", body, in_thread=True)
    assert doc.strip() == "Senha trocada, tudo certo agora. Obrigada!"
    separated = body.replace("\n\nDe:", "\n\n-----Mensagem original-----\nDe:")
    assert document("RES: x", separated, in_thread=True).strip() == doc.strip()


def test_a_re_subject_makes_a_reply_without_headers_as_in_the_training_data():
    body = "Obrigado!\n\nEm 12/03/2026 16:33, Henrique escreveu:\n> " + ACCESS_REQUEST
    assert document("Re: Acesso", body) == document("Re: Acesso", body, in_thread=True)
    assert document("Re: Acesso", body).strip() == "Obrigado!"


def test_a_reply_under_a_new_subject_keeps_it():
    body = "Segue a data da defesa do Enzo: 25/03, sala 204.\n\nEm 1/3, X escreveu:\n> oi"
    doc = document("Defesa do Enzo", body, in_thread=True)
    assert doc.startswith("Defesa do Enzo") and "oi" not in doc


def test_a_form_in_a_reply_is_not_taken_for_a_header_block():
    body = "Seguem os dados.\nAluno: Ana\nData: 05/12/2026\nSala: 210\nMembro Externo: Rui"
    assert "Membro Externo: Rui" in document("Re: Dados da defesa", body, in_thread=True)


def test_a_forward_is_read_from_the_forwarded_message_then_the_cover_note():
    body = (
        "Segue.\n\n---------- Mensagem encaminhada ---------\n"
        "De: Sérgio Loss <sergio@ifes.edu.br>\nData: Mon, 01 Jun 2026 08:12:35 -0300\n"
        "Assunto: Defesa da Camila\nPara: Coordenação <coord@ifes.edu.br>\n\n"
        "A Camila vai defender dia 26/06 às 13h30, sala 301. Banca: eu (orientador), ...\n"
    )
    doc = document("Fw: Defesa da Camila", body, "Defesa da Camila", True)
    assert doc.startswith("Defesa da Camila \n A Camila vai defender dia 26/06")
    assert doc.count("Defesa da Camila") == 2  # the original subject is the outer one
    assert "Segue." in doc and "Mensagem encaminhada" not in doc


def test_a_forward_quoted_whole_is_unquoted():
    body = (
        "Prezados, conforme o e-mail do meu orientador abaixo, peço um usuário.\n\n"
        "Início da mensagem encaminhada:\n\n> De: Antônio <antonio@ifes.edu.br>\n"
        "> Assunto: testes\n> Data: 14 de outubro de 2026 às 10:31:08 BRT\n"
        "> Para: Diego <diego@icloud.com>\n>\n> Autorizo o acesso do Diego às máquinas.\n"
    )
    doc = document("Fwd: testes", body, "testes", True)
    assert "Autorizo o acesso do Diego às máquinas." in doc
    assert doc.index("Autorizo") < doc.index("conforme o e-mail")
