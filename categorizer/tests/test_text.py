import time

from categorizer.text import document, fold, passages, strip_prefixes


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
    "Prezada secretaria, meu orientando precisa de conta nas máquinas do laboratório.\n"
)


def test_a_reply_is_judged_on_its_new_text_only():
    body = (
        "Deu certo, valeu! Entrei em duas máquinas sem problema.\n\nOtto\n\n"
        "Em seg., 9 de fev. de 2026 às 10:05, Secretaria <sec@ifes.edu.br> escreveu:\n\n"
        "> Prezado Otto, sua conta foi criada.\n>\n"
        "> Em 02/02/2026 08:10, Lúcio Prates escreveu:\n> > " + ACCESS_REQUEST
    )
    doc = document("Re: Conta no laboratório - Otto", body, in_thread=True)
    assert "Deu certo, valeu!" in doc
    assert "Conta no laboratório" not in doc  # the thread's subject
    assert "escreveu" not in doc and "conta foi criada" not in doc and "orientando" not in doc


def test_a_reply_without_quote_marks_loses_everything_from_the_attribution_on():
    body = (
        "Obrigado, consegui.\n\nOn Mon, Feb 9, 2026 at 10:05 AM Secretaria <sec@ifes.edu.br> "
        "wrote:\nPrezado, sua conta foi criada.\n" + ACCESS_REQUEST
    )
    doc = document("Re: conta no laboratório", body, in_thread=True)
    assert doc.strip() == "Obrigado, consegui."


def test_an_outlook_reply_loses_the_header_block_and_what_follows():
    body = (
        "Senha nova funcionando. Obrigada!\n\n"
        "De: Secretaria PPComp <ppcomp@ifes.edu.br>\n"
        "Enviado: terça-feira, 10 de fevereiro de 2026 09:12\n"
        "Para: Iara Bento <iara@aluno.ifes.edu.br>\n"
        "Assunto: RE: Senha do laboratório\n\n" + ACCESS_REQUEST
    )
    doc = document("RES: Senha do laboratório", body, in_thread=True)
    assert doc.strip() == "Senha nova funcionando. Obrigada!"
    separated = body.replace("\n\nDe:", "\n\n-----Mensagem original-----\nDe:")
    assert document("RES: x", separated, in_thread=True).strip() == doc.strip()


def test_a_re_subject_makes_a_reply_without_headers_as_in_the_training_data():
    body = "Obrigado!\n\nEm 02/02/2026 08:10, Lúcio Prates escreveu:\n> " + ACCESS_REQUEST
    assert document("Re: Acesso", body) == document("Re: Acesso", body, in_thread=True)
    assert document("Re: Acesso", body).strip() == "Obrigado!"


def test_a_reply_under_a_new_subject_keeps_it():
    body = "Segue a data da defesa do Ivo: 14/05, sala 108.\n\nEm 1/3, X escreveu:\n> oi"
    doc = document("Defesa do Ivo", body, in_thread=True)
    assert doc.startswith("Defesa do Ivo") and "oi" not in doc


def test_a_form_in_a_reply_is_not_taken_for_a_header_block():
    body = "Seguem os dados.\nAluno: Ana\nData: 05/12/2026\nSala: 210\nMembro Externo: Rui"
    assert "Membro Externo: Rui" in document("Re: Dados da defesa", body, in_thread=True)


def test_a_forward_is_read_from_the_forwarded_message_then_the_cover_note():
    body = (
        "Segue.\n\n---------- Mensagem encaminhada ---------\n"
        "De: Olga Ventura <olga@ifes.edu.br>\nData: Tue, 12 May 2026 17:40:02 -0300\n"
        "Assunto: Defesa do Ícaro\nPara: Coordenação <coord@ifes.edu.br>\n\n"
        "O Ícaro defende em 9/6 às 15h, sala 110. Banca: eu (orientadora), ...\n"
    )
    doc = document("Fw: Defesa do Ícaro", body, "Defesa do Ícaro", True)
    assert doc.startswith("Defesa do Ícaro \n O Ícaro defende em 9/6")
    assert doc.count("Defesa do Ícaro") == 2  # the original subject is the outer one
    assert "Segue." in doc and "Mensagem encaminhada" not in doc


def test_a_forward_quoted_whole_is_unquoted():
    body = (
        "Bom dia, mando abaixo a mensagem da minha orientadora pedindo meu usuário.\n\n"
        "Início da mensagem encaminhada:\n\n> De: Olga Ventura <olga@ifes.edu.br>\n"
        "> Assunto: usuário\n> Data: 3 de fevereiro de 2026 às 08:15:44 BRT\n"
        "> Para: Rui Teles <rui@icloud.com>\n>\n> Pode criar o usuário do Rui, por favor.\n"
    )
    doc = document("Fwd: usuário", body, "usuário", True)
    assert "Pode criar o usuário do Rui, por favor." in doc
    assert doc.index("Pode criar") < doc.index("mando abaixo")


LONG_EMAIL = (
    "Oi, pessoal, tudo bem? Juntei tudo num e-mail só.\n\n"
    "1) A minha declaração de vínculo precisa sair em inglês para um curso de verão na "
    "Espanha; vocês emitem assim ou preciso traduzir por conta própria?\n"
    "2) O Prof. Túlio pediu que eu rode os experimentos nas máquinas do laboratório e eu "
    "ainda não tenho usuário lá. Podem criar uma conta para mim? Sou a Iara Bento.\n"
    "3) A sala de estudos fica aberta no recesso? Quero adiantar a escrita da dissertação "
    "em janeiro.\n\nObrigada!\nIara"
)


def test_passages_are_the_long_items_of_an_email_after_its_subject():
    [found] = passages("Várias dúvidas", LONG_EMAIL)  # the other items are short
    assert found.startswith("Várias dúvidas \n 2) O Prof. Túlio pediu")
    assert found.endswith("Sou a Iara Bento.")
    two = LONG_EMAIL.replace("própria?", "própria, com um tradutor juramentado?")
    assert len(passages("Várias dúvidas", two)) == 2


def test_no_passages_for_a_short_email_or_a_forward():
    assert passages("Conta", "Preciso de conta no laboratório.\n\nObrigada!") == []
    assert passages("Fwd: Várias dúvidas", LONG_EMAIL, "Várias dúvidas", True) == []


def test_a_huge_body_of_blank_lines_is_read_at_once():
    started = time.perf_counter()
    for kwargs in ({}, {"in_thread": True}, {"original_subject": "x", "forwarded": True}):
        document("x", "\n" * 5_000_000 + "> y", **kwargs)
        passages("x", " \n" * 5_000_000, **kwargs)
    assert time.perf_counter() - started < 1


def test_answers_written_between_the_quoted_questions_are_the_replys_own_words():
    body = (
        "Oi, Cláudia, respondo no meio do texto.\n\n"
        "Em seg., 8 de jun. de 2026 às 09:12, Secretaria <sec@ifes.edu.br> escreveu:\n"
        "> 1) Título definitivo da dissertação.\n\n"
        "Vale o do formulário: Detecção de quedas com sensores inerciais.\n\n"
        "> 2) Data e horário.\n\n30/06, às 9h30.\n\n"
        "> 3) Composição da banca.\n\n"
        "Eu (orientador), Prof. Gama (Ifes) e Profa. Rebouças (UFES).\n"
    )
    doc = document("Re: Defesa do Renan - dados pendentes", body, in_thread=True)
    assert "respondo no meio do texto" in doc
    assert "Vale o do formulário" in doc and "Eu (orientador)" in doc and "30/06" in doc
    assert "Título definitivo" not in doc and "escreveu" not in doc  # ours, quoted
