"""Round 4 of unseen voices: defence requests written before reading the reader's code.

Each case is a whole email as it arrives (inline answers between quoted lines, forwards
of forwards, HTML with bold labels, committees with no labels or with Lattes links and
addresses after the names), read by `reading.read_defense` as the workflow reads it.
Every field is checked; values compare as the reading bench compares them (case, spacing
and surrounding punctuation do not matter, "Sala 206" and "206" are one room).
"""

from __future__ import annotations

import datetime

import pytest

from defesa.tests.voices import ADV, CO, EXT, INT, Voice, mismatches

D = datetime.date
T = datetime.time
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

VOICES = {
    # The secretariat asked five questions; the student answers under each quoted one.
    "answers_between_quoted_questions": Voice(
        subject="Re: Agendamento de defesa - informações pendentes",
        from_="Thiago Barcellos Moura <thiago.moura@aluno.ifes.edu.br>",
        body=(
            "Boa tarde, Rosângela! Seguem as respostas abaixo de cada item.\n"
            "\n"
            "Em seg., 25 de jan. de 2027 às 09:14, Secretaria PPComp "
            "<secretaria.ppcomp@ifes.edu.br> escreveu:\n"
            "> Prezado Thiago,\n"
            ">\n"
            "> Para agendarmos sua defesa, precisamos das seguintes informações:\n"
            ">\n"
            "> 1) Título do trabalho\n"
            "\n"
            "Detecção de anomalias em redes de sensores com autoencoders variacionais\n"
            "\n"
            "> 2) Data e horário\n"
            "\n"
            "18/02/2027, às 9h\n"
            "\n"
            "> 3) Local (sala ou link)\n"
            "\n"
            "Sala 108 do Bloco A\n"
            "\n"
            "> 4) Composição da banca, com as instituições\n"
            "\n"
            "Prof. Dr. Renato Lyra Fontana (Ifes) - orientador\n"
            "Profa. Dra. Cecília Guedes Araújo (Ifes)\n"
            "Prof. Dr. Marcelo Venturim Hoffmann (UFES)\n"
            "\n"
            "> Atenciosamente,\n"
            "> Secretaria do PPComp\n"
        ),
        student="Thiago Barcellos Moura",
        title="Detecção de anomalias em redes de sensores com autoencoders variacionais",
        date=D(2027, 2, 18),
        time=T(9, 0),
        room="Sala 108 do Bloco A",
        members=[
            (ADV, "Renato Lyra Fontana"),
            (INT, "Cecília Guedes Araújo"),
            (EXT, "Marcelo Venturim Hoffmann"),
        ],
    ),
    # The advisor lists the committee one per line, no role words, herself first.
    "committee_without_labels": Voice(
        subject="Solicitação de agendamento de defesa de mestrado",
        from_="Larissa Bortolini Gama <larissa.gama@ifes.edu.br>",
        body=(
            "Prezada secretaria,\n"
            "\n"
            "Solicito o agendamento da defesa de dissertação do meu orientando Guilherme "
            "Tavares Scalzer, conforme dados abaixo.\n"
            "\n"
            "Título: Um framework para orquestração de microsserviços em ambientes de borda\n"
            "Data: 23/02/2027\n"
            "Horário: 14h\n"
            "Local: Sala 206 do Bloco C\n"
            "\n"
            "Banca:\n"
            "Profa. Dra. Larissa Bortolini Gama — Ifes\n"
            "Prof. Dr. Hélio Zanotti Pimenta — Ifes Campus Cachoeiro de Itapemirim\n"
            "Prof. Dr. Fábio Nery Calmon — UFRJ\n"
            "\n"
            "Atenciosamente,\n"
            "Larissa\n"
        ),
        student="Guilherme Tavares Scalzer",
        title="Um framework para orquestração de microsserviços em ambientes de borda",
        date=D(2027, 2, 23),
        time=T(14, 0),
        room="Sala 206 do Bloco C",
        members=[
            (ADV, "Larissa Bortolini Gama"),
            (INT, "Hélio Zanotti Pimenta"),
            (EXT, "Fábio Nery Calmon"),
        ],
    ),
    # Lattes links after each member; the room is the miniauditório.
    "members_with_lattes_links": Voice(
        subject="Agendamento de defesa de dissertação",
        from_="Yasmin Coutinho Bravin <yasmin.bravin@aluno.ifes.edu.br>",
        body=(
            "Prezados,\n"
            "\n"
            "Gostaria de solicitar o agendamento da minha defesa de mestrado.\n"
            "\n"
            "Título: Reconhecimento de entidades nomeadas em documentos jurídicos capixabas\n"
            "Data: dia 26/02/2027 (sexta-feira), às 10h00\n"
            "Local: miniauditório\n"
            "\n"
            "Membros da banca:\n"
            "- Prof. Dr. Anselmo Frizzera Coutinho (orientador, Ifes) - "
            "http://lattes.cnpq.br/4829103948572910\n"
            "- Profa. Dra. Juliana Pessotti Rangel (Ifes) - "
            "http://lattes.cnpq.br/1209384756102938\n"
            "- Prof. Dr. Ricardo Almeida Prates (UFMG) - "
            "http://lattes.cnpq.br/9988776655443322\n"
            "\n"
            "Obrigada,\n"
            "Yasmin Coutinho Bravin\n"
        ),
        student="Yasmin Coutinho Bravin",
        title="Reconhecimento de entidades nomeadas em documentos jurídicos capixabas",
        date=D(2027, 2, 26),
        time=T(10, 0),
        room="miniauditório",
        members=[
            (ADV, "Anselmo Frizzera Coutinho"),
            (INT, "Juliana Pessotti Rangel"),
            (EXT, "Ricardo Almeida Prates"),
        ],
    ),
    # E-mail addresses in angle brackets after the names; the date has the weekday in
    # parentheses and no year.
    "members_with_addresses": Voice(
        subject="Defesa de mestrado - pedido de agendamento",
        from_="Vítor Hugo Casagrande <vitor.casagrande@aluno.ifes.edu.br>",
        body=(
            "Olá, boa tarde.\n"
            "\n"
            "Peço, por gentileza, o agendamento da minha defesa para 09/03 (terça-feira) "
            "às 14h, no Lab. de Redes (sala 203).\n"
            "\n"
            "Título: Roteamento adaptativo em redes definidas por software com aprendizado "
            "por reforço\n"
            "\n"
            "Orientador: Prof. Dr. Wagner Loureiro Sant'Anna <wagner.santanna@ifes.edu.br>\n"
            "Membro interno: Profa. Dra. Bianca Rocha Vervloet <bianca.vervloet@ifes.edu.br>\n"
            "Membro externo: Prof. Dr. Otávio Krüger Lemos <otavio.lemos@ufv.br> (UFV)\n"
            "\n"
            "Att.,\n"
            "Vítor Hugo\n"
        ),
        student="Vítor Hugo Casagrande",
        title=("Roteamento adaptativo em redes definidas por software com aprendizado por reforço"),
        date=D(2027, 3, 9),
        time=T(14, 0),
        # the room is its number when a sentence names a lab and then the room in
        # parentheses (as test_prose_voices reads "no Laboratório de Redes (sala 305)")
        room="203",
        members=[
            (ADV, "Wagner Loureiro Sant'Anna"),
            (INT, "Bianca Rocha Vervloet"),
            (EXT, "Otávio Krüger Lemos"),
        ],
    ),
    # The co-advisor writes on the advisor's behalf; an Embrapa researcher is external;
    # the title is in typographic quotes.
    "written_by_the_coadvisor": Voice(
        subject="Defesa de mestrado - Everton Siqueira Dalvi",
        from_="Patrícia Loss Cabral <patricia.cabral@ifes.edu.br>",
        body=(
            "Olá, pessoal da secretaria,\n"
            "\n"
            "Sou coorientadora do aluno Everton Siqueira Dalvi e escrevo em nome do "
            "orientador, Prof. Fernando Bragatto Neto, que está em viagem.\n"
            "\n"
            "A defesa será no dia 4 de março de 2027, às 15h30, na sala de reuniões do "
            "PPComp.\n"
            "Título: “Aprendizado federado para classificação de imagens médicas com "
            "privacidade diferencial”\n"
            "\n"
            "Banca examinadora:\n"
            "Prof. Dr. Fernando Bragatto Neto (Ifes) – orientador\n"
            "Profa. Dra. Patrícia Loss Cabral (Ifes) – coorientadora\n"
            "Prof. Dr. Alexandre Pinheiro Cunha (Ifes)\n"
            "Dr. Rodrigo Matos Feitosa (pesquisador da Embrapa)\n"
            "\n"
            "Um abraço,\n"
            "Patrícia\n"
        ),
        student="Everton Siqueira Dalvi",
        title="Aprendizado federado para classificação de imagens médicas com privacidade "
        "diferencial",
        date=D(2027, 3, 4),
        time=T(15, 30),
        room="sala de reuniões do PPComp",
        members=[
            (ADV, "Fernando Bragatto Neto"),
            (CO, "Patrícia Loss Cabral"),
            (INT, "Alexandre Pinheiro Cunha"),
            (EXT, "Rodrigo Matos Feitosa"),
        ],
    ),
    # The external member works for a company; "10hs".
    "external_from_a_company": Voice(
        subject="Agendamento defesa - Camila Ferraço Nunes",
        from_="Camila Ferraço Nunes <camila.nunes@aluno.ifes.edu.br>",
        body=(
            "Prezados,\n"
            "venho solicitar o agendamento da minha defesa de mestrado.\n"
            "\n"
            "Título: Otimização de rotas para coleta de resíduos usando algoritmos genéticos "
            "híbridos\n"
            "Data: 11/03/2027, às 10hs\n"
            "Local: auditório do prédio da pós\n"
            "Orientador: Prof. Dr. Jorge Luiz Entringer (Ifes)\n"
            "Membro interno: Prof. Dr. Saulo Bermudes Vieira (Ifes)\n"
            "Membro externo: Dr. Leonardo Scardua Pancieri, da empresa ArcelorMittal Tubarão\n"
            "\n"
            "Desde já agradeço.\n"
            "Camila\n"
        ),
        student="Camila Ferraço Nunes",
        title="Otimização de rotas para coleta de resíduos usando algoritmos genéticos híbridos",
        date=D(2027, 3, 11),
        time=T(10, 0),
        room="auditório do prédio da pós",
        members=[
            (ADV, "Jorge Luiz Entringer"),
            (INT, "Saulo Bermudes Vieira"),
            (EXT, "Leonardo Scardua Pancieri"),
        ],
    ),
    # "Dr." members with no institution at all; the labels carry the roles.
    "doctors_without_institution": Voice(
        subject="Solicitação de banca de defesa",
        from_="Pâmela Guerra Sossai <pamela.sossai@aluno.ifes.edu.br>",
        body=(
            "Bom dia!\n"
            "\n"
            "Solicito o agendamento da defesa da dissertação intitulada Previsão de demanda "
            "de energia elétrica com modelos híbridos ARIMA-LSTM.\n"
            "\n"
            "Data: 16/03/2027\n"
            "Horário: 10 h\n"
            "Sala: 305 do Bloco C\n"
            "\n"
            "Orientador: Dr. Maurício Salles Tristão\n"
            "Membro interno: Dr. Vinícius Amorim Coelho\n"
            "Membro externo: Dra. Helena Caetano Barros\n"
            "\n"
            "Atenciosamente,\n"
            "Pâmela Guerra Sossai\n"
        ),
        student="Pâmela Guerra Sossai",
        title="Previsão de demanda de energia elétrica com modelos híbridos ARIMA-LSTM",
        date=D(2027, 3, 16),
        time=T(10, 0),
        room="305 do Bloco C",
        members=[
            (ADV, "Maurício Salles Tristão"),
            (INT, "Vinícius Amorim Coelho"),
            (EXT, "Helena Caetano Barros"),
        ],
    ),
    # The advisor never names the student in the text: only the attached form does.
    "student_only_in_the_attachment_name": Voice(
        subject="Solicitação de defesa",
        from_="Eduardo Zamprogno Filho <eduardo.zamprogno@ifes.edu.br>",
        body=(
            "Boa tarde,\n"
            "\n"
            "Segue em anexo o formulário de solicitação de defesa da minha orientanda. "
            "Resumo dos dados:\n"
            "\n"
            "Título: Avaliação de usabilidade de aplicativos bancários por idosos\n"
            "Data: 18/03/2027 às 14 h\n"
            "Local: Sala 105 do Bloco B\n"
            "Banca: Prof. Dr. Eduardo Zamprogno Filho (orientador, Ifes), Profa. Dra. Kátia "
            "Moraes Lube (Ifes) e Prof. Dr. Antônio Carlos Stein (UFSC)\n"
            "\n"
            "Eduardo\n"
        ),
        attachments=[("Formulario_Defesa_Mariana_Cordeiro_Falqueto.pdf", "application/pdf", PDF)],
        student="Mariana Cordeiro Falqueto",
        title="Avaliação de usabilidade de aplicativos bancários por idosos",
        date=D(2027, 3, 18),
        time=T(14, 0),
        room="Sala 105 do Bloco B",
        members=[
            (ADV, "Eduardo Zamprogno Filho"),
            (INT, "Kátia Moraes Lube"),
            (EXT, "Antônio Carlos Stein"),
        ],
    ),
    # The student's name is only in the Subject.
    "student_only_in_the_subject": Voice(
        subject="Defesa de Mestrado – Rafael Gonçalves Brommonschenkel",
        from_="Marcos Vinícius Paiva <marcos.paiva@ifes.edu.br>",
        body=(
            "Prezada Secretaria,\n"
            "\n"
            "Solicito o agendamento da defesa do meu orientando, conforme abaixo.\n"
            "\n"
            "Título: Compressão de modelos de visão computacional para microcontroladores\n"
            "Data: 22/03/2027\n"
            "Horário: 13h30\n"
            "Local: Sala 210 do Bloco C\n"
            "Orientador: Prof. Dr. Marcos Vinícius Paiva (Ifes)\n"
            "Membro interno: Prof. Dr. Danilo Freitas Merlo (Ifes)\n"
            "Membro externo: Profa. Dra. Sílvia Regina Bonomo (UFF)\n"
            "\n"
            "Cordialmente,\n"
            "Marcos Vinícius Paiva\n"
        ),
        student="Rafael Gonçalves Brommonschenkel",
        title="Compressão de modelos de visão computacional para microcontroladores",
        date=D(2027, 3, 22),
        time=T(13, 30),
        room="Sala 210 do Bloco C",
        members=[
            (ADV, "Marcos Vinícius Paiva"),
            (INT, "Danilo Freitas Merlo"),
            (EXT, "Sílvia Regina Bonomo"),
        ],
    ),
    # An informal note: "na próxima terça (dia 9)", "às 14 horas e 30 minutos", "banca:
    # eu (orientadora), ...".
    "next_tuesday_day_nine": Voice(
        subject="Defesa do Lucas",
        from_="Sandra Helena Bissoli <sandra.bissoli@ifes.edu.br>",
        body=(
            "Oi, Rosângela, tudo bem?\n"
            "\n"
            "A defesa do Lucas Pereira Damasceno ficou para a próxima terça (dia 9), às 14 "
            "horas e 30 minutos, no miniauditório.\n"
            "\n"
            "Título: Classificação de arritmias cardíacas em sinais de ECG com redes "
            "convolucionais leves\n"
            "\n"
            "Banca: eu (orientadora), o Prof. Dr. Caio Sarmento Pires (Ifes) e a Profa. Dra. "
            "Lívia Nascimento Torres (UFES).\n"
            "\n"
            "Abraços,\n"
            "Sandra\n"
        ),
        student="Lucas Pereira Damasceno",
        title="Classificação de arritmias cardíacas em sinais de ECG com redes convolucionais "
        "leves",
        date=D(2027, 2, 9),
        time=T(14, 30),
        room="miniauditório",
        members=[
            (ADV, "Sandra Helena Bissoli"),
            (INT, "Caio Sarmento Pires"),
            (EXT, "Lívia Nascimento Torres"),
        ],
    ),
    # Everything in one line, as typed on a phone.
    "one_line_from_a_phone": Voice(
        subject="defesa",
        from_="Jefferson Abreu Lago <jefferson.lago@ifes.edu.br>",
        body=(
            "Defesa Nádia Campos Frisso 15/3, 15h, sala 110, banca eu, Otávio Reis (Ifes), "
            "Beatriz Lopes (UFES). Título: Métricas de acessibilidade em portais "
            "governamentais\n"
            "\n"
            "Enviado do meu iPhone\n"
        ),
        student="Nádia Campos Frisso",
        title="Métricas de acessibilidade em portais governamentais",
        date=D(2027, 3, 15),
        time=T(15, 0),
        room="110",
        members=[
            (ADV, "Jefferson Abreu Lago"),
            (INT, "Otávio Reis"),
            (EXT, "Beatriz Lopes"),
        ],
    ),
    # "em abril, dia 20 às 10:00"; the committee in a sentence.
    "day_twenty_in_april": Voice(
        subject="Pedido de agendamento - defesa de mestrado",
        from_="Henrique Stein Calvi <henrique.calvi@aluno.ifes.edu.br>",
        body=(
            "Prezados, bom dia.\n"
            "\n"
            "Conversei com meu orientador e a defesa está prevista para abril, dia 20 às "
            "10:00, na Sala 102 do Bloco A.\n"
            "\n"
            "O título da dissertação é Verificação formal de contratos inteligentes em "
            "Solidity com model checking.\n"
            "\n"
            "A banca será composta pelo Prof. Dr. Arthur Lima Boldrini (orientador), pela "
            "Profa. Dra. Regina Célia Piccin, do Ifes Campus Vitória, e pelo Prof. Dr. "
            "Nelson Abdalla Junior, da Universidade Federal de Viçosa.\n"
            "\n"
            "Obrigado,\n"
            "Henrique Stein Calvi\n"
        ),
        student="Henrique Stein Calvi",
        title="Verificação formal de contratos inteligentes em Solidity com model checking",
        date=D(2027, 4, 20),
        time=T(10, 0),
        room="Sala 102 do Bloco A",
        members=[
            (ADV, "Arthur Lima Boldrini"),
            (INT, "Regina Célia Piccin"),
            (EXT, "Nelson Abdalla Junior"),
        ],
    ),
    # Fully online by Google Meet, the link on its own line below.
    "google_meet_link_below": Voice(
        subject="Agendamento de defesa remota",
        from_="Larissa Moulin Tesch <larissa.tesch@aluno.ifes.edu.br>",
        body=(
            "Prezada secretaria,\n"
            "\n"
            "Solicito o agendamento da minha defesa de mestrado, que será realizada de forma "
            "remota pelo Google Meet, link abaixo:\n"
            "https://meet.google.com/xqa-rbtm-kpe\n"
            "\n"
            "Título: Sumarização automática de prontuários eletrônicos com modelos de "
            "linguagem\n"
            "Data: 25/02/2027\n"
            "Horário: 16h\n"
            "\n"
            "Banca:\n"
            "Orientadora: Profa. Dra. Elaine Dalmaschio Rocha (Ifes)\n"
            "Membro interno: Prof. Dr. Giovani Rubert Librelotto (Ifes)\n"
            "Membro externo: Prof. Dr. Tiago Fonseca Marinho (UFPE)\n"
            "\n"
            "Atenciosamente,\n"
            "Larissa Moulin Tesch\n"
        ),
        student="Larissa Moulin Tesch",
        title="Sumarização automática de prontuários eletrônicos com modelos de linguagem",
        date=D(2027, 2, 25),
        time=T(16, 0),
        room="Virtual",
        link="https://meet.google.com/xqa-rbtm-kpe",
        members=[
            (ADV, "Elaine Dalmaschio Rocha"),
            (INT, "Giovani Rubert Librelotto"),
            (EXT, "Tiago Fonseca Marinho"),
        ],
    ),
    # Online through RNP's conference service.
    "online_via_rnp": Voice(
        subject="Defesa de dissertação - Wesley Bortolon",
        from_="Cristiano Leal Amorim <cristiano.amorim@ifes.edu.br>",
        body=(
            "Caros,\n"
            "\n"
            "Informo os dados da defesa do mestrando Wesley Bortolon Rangel, que ocorrerá "
            "via RNP:\n"
            "\n"
            "Título: Segurança em dispositivos IoT domésticos: um estudo de vulnerabilidades "
            "em firmware\n"
            "Data: 05/04/2027\n"
            "Hora: 9h\n"
            "Link: https://conferenciaweb.rnp.br/sala/ppcomp-defesas\n"
            "\n"
            "Presidente: Prof. Dr. Cristiano Leal Amorim (Ifes)\n"
            "Membro interno: Prof. Dr. Rogério Fraga Sessa (Ifes)\n"
            "Membro externo: Prof. Dr. Paulo Sérgio Medeiros (UnB)\n"
            "Suplente: Profa. Dra. Aline Vasconcelos Dias (Ifes)\n"
            "\n"
            "Att,\n"
            "Cristiano\n"
        ),
        student="Wesley Bortolon Rangel",
        title="Segurança em dispositivos IoT domésticos: um estudo de vulnerabilidades em firmware",
        date=D(2027, 4, 5),
        time=T(9, 0),
        room="Virtual",
        link="https://conferenciaweb.rnp.br/sala/ppcomp-defesas",
        members=[
            (ADV, "Cristiano Leal Amorim"),
            (INT, "Rogério Fraga Sessa"),
            (EXT, "Paulo Sérgio Medeiros"),
        ],
    ),
    # Hybrid: a room and a Teams link with a long query string.
    "hybrid_with_a_long_teams_link": Voice(
        subject="Solicitação de agendamento de defesa (híbrida)",
        from_="Bruna Zanetti Recla <bruna.recla@aluno.ifes.edu.br>",
        body=(
            "Boa tarde!\n"
            "\n"
            "A defesa será híbrida: presencial na Sala 204 do Bloco C e com transmissão "
            "pelo Microsoft Teams para o membro externo.\n"
            "\n"
            "Link da reunião:\n"
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ZjE2NzQ5YjctYTY0Ni00ZTlm"
            "LWI3NjQtOGM1ZDk3YjQ2OWEx%40thread.v2/0?context=%7b%22Tid%22%3a%2231e5f3b4-9c2a"
            "-4f6e-8b1d-2a7c6e5d4f3a%22%2c%22Oid%22%3a%22a1b2c3d4-e5f6-7890-abcd-ef1234567890"
            "%22%7d\n"
            "\n"
            "Título: Detecção de discurso de ódio em português com aprendizado contrastivo\n"
            "Data: 12/04/2027\n"
            "Horário: 14h\n"
            "\n"
            "Orientador: Prof. Dr. Leandro Colombi Resendo (Ifes)\n"
            "Membro interno: Profa. Dra. Márcia Helena Moreira Paiva (Ifes)\n"
            "Membro externo: Prof. Dr. Gustavo Henrique Matos Bastos (UFBA)\n"
            "\n"
            "Atenciosamente,\n"
            "Bruna Zanetti Recla\n"
        ),
        student="Bruna Zanetti Recla",
        title="Detecção de discurso de ódio em português com aprendizado contrastivo",
        date=D(2027, 4, 12),
        time=T(14, 0),
        room="Sala 204 do Bloco C",
        link=(
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_ZjE2NzQ5YjctYTY0Ni00ZTlm"
            "LWI3NjQtOGM1ZDk3YjQ2OWEx%40thread.v2/0?context=%7b%22Tid%22%3a%2231e5f3b4-9c2a"
            "-4f6e-8b1d-2a7c6e5d4f3a%22%2c%22Oid%22%3a%22a1b2c3d4-e5f6-7890-abcd-ef1234567890"
            "%22%7d"
        ),
        members=[
            (ADV, "Leandro Colombi Resendo"),
            (INT, "Márcia Helena Moreira Paiva"),
            (EXT, "Gustavo Henrique Matos Bastos"),
        ],
    ),
    # HTML only: bold labels and <br> line breaks, as a webmail composes it.
    "html_bold_labels_and_breaks": Voice(
        subject="Agendamento de defesa - Fernanda Pazolini Rios",
        from_="Fernanda Pazolini Rios <fernanda.rios@aluno.ifes.edu.br>",
        body="",
        html_only=True,
        html=(
            '<div dir="ltr">Prezados,<br><br>Solicito o agendamento da minha defesa:<br><br>'
            "<b>Aluna:</b> Fernanda Pazolini Rios<br>"
            "<b>Título:</b> Gêmeos digitais para manutenção preditiva em linhas de envase<br>"
            "<strong>Data:</strong> 30/03/2027<br>"
            "<strong>Horário:</strong> 13h30<br>"
            "<b>Local:</b> Sala 302 do Bloco D<br><br>"
            "<b>Banca:</b><br>"
            "Prof. Dr. Ricardo Sarcinelli Fiorio (Ifes) - <i>Orientador</i><br>"
            "Prof. Dr. Vanderlei Bonatto Pereira (Ifes) - <i>Coorientador</i><br>"
            "Profa. Dra. Tânia Mara Gobbo (Ifes) - <i>Membro interno</i><br>"
            "Prof. Dr. Hugo Menezes Tavares (UFMG) - <i>Membro externo</i><br><br>"
            "Atenciosamente,<br>Fernanda</div>"
        ),
        student="Fernanda Pazolini Rios",
        title="Gêmeos digitais para manutenção preditiva em linhas de envase",
        date=D(2027, 3, 30),
        time=T(13, 30),
        room="Sala 302 do Bloco D",
        members=[
            (ADV, "Ricardo Sarcinelli Fiorio"),
            (CO, "Vanderlei Bonatto Pereira"),
            (INT, "Tânia Mara Gobbo"),
            (EXT, "Hugo Menezes Tavares"),
        ],
    ),
    # The coordinator forwards the advisor's forward of the student's message.
    "forward_of_a_forward": Voice(
        subject="Fwd: Fwd: Pedido de agendamento de defesa",
        from_="Gustavo Maia Rocha <gustavo.rocha@ifes.edu.br>",
        body=(
            "Rosângela, favor agendar.\n"
            "Gustavo\n"
            "\n"
            "---------- Forwarded message ---------\n"
            "De: Daniela Schunk Barros <daniela.barros@ifes.edu.br>\n"
            "Date: sex., 29 de jan. de 2027 às 16:02\n"
            "Subject: Fwd: Pedido de agendamento de defesa\n"
            "To: Gustavo Maia Rocha <gustavo.rocha@ifes.edu.br>\n"
            "\n"
            "Gustavo, pode encaminhar à secretaria? Estou de acordo com a banca.\n"
            "Daniela\n"
            "\n"
            "---------- Forwarded message ---------\n"
            "De: Igor Venturini Salomão <igor.salomao@aluno.ifes.edu.br>\n"
            "Date: qui., 28 de jan. de 2027 às 11:40\n"
            "Subject: Pedido de agendamento de defesa\n"
            "To: Daniela Schunk Barros <daniela.barros@ifes.edu.br>\n"
            "\n"
            "Professora, seguem os dados para a defesa:\n"
            "\n"
            "Título: Escalonamento de tarefas em clusters heterogêneos com GPUs\n"
            "Data: 03/03/2027\n"
            "Hora: 9h\n"
            "Local: Sala 201 do Bloco C\n"
            "Banca: Profa. Dra. Daniela Schunk Barros (Ifes, orientadora); Prof. Dr. "
            "Marcelo Brunoro Frigini (Ifes); Prof. Dr. Ivan Costa Penedo (UFOP)\n"
            "\n"
            "Obrigado!\n"
            "Igor\n"
        ),
        student="Igor Venturini Salomão",
        title="Escalonamento de tarefas em clusters heterogêneos com GPUs",
        date=D(2027, 3, 3),
        time=T(9, 0),
        room="Sala 201 do Bloco C",
        members=[
            (ADV, "Daniela Schunk Barros"),
            (INT, "Marcelo Brunoro Frigini"),
            (EXT, "Ivan Costa Penedo"),
        ],
    ),
    # Placeholders where the data is not known yet.
    "placeholders_not_yet_known": Voice(
        subject="Pré-agendamento de defesa",
        from_="Alessandra Fiorotti Pizzol <alessandra.pizzol@aluno.ifes.edu.br>",
        body=(
            "Olá!\n"
            "\n"
            "Gostaria de pré-agendar minha defesa. Alguns dados ainda estão em aberto:\n"
            "\n"
            "Título: Análise de sentimentos em avaliações de turismo no Espírito Santo\n"
            "Data: 30/03/2027\n"
            "Horário: TBD\n"
            "Local: a confirmar\n"
            "Orientador: Prof. Dr. Flávio Miguel Varejão Neto (Ifes)\n"
            "Membro interno: Profa. Dra. Rosane Bertolo Zanon (Ifes)\n"
            "Membro externo: ——\n"
            "\n"
            "Assim que tiver o restante envio.\n"
            "Alessandra\n"
        ),
        student="Alessandra Fiorotti Pizzol",
        title="Análise de sentimentos em avaliações de turismo no Espírito Santo",
        date=D(2027, 3, 30),
        time=None,
        room="",
        members=[
            (ADV, "Flávio Miguel Varejão Neto"),
            (INT, "Rosane Bertolo Zanon"),
        ],
        missing=["time", "room", "external"],
    ),
    # Question marks where the external member and the room should be.
    "question_marks_for_unknowns": Voice(
        subject="defesa - dados parciais",
        from_="Murilo Bazoni Tosi <murilo.tosi@aluno.ifes.edu.br>",
        body=(
            "Prezada secretaria,\n"
            "\n"
            "Seguem os dados que já tenho da defesa:\n"
            "\n"
            "Título: Recomendação de trilhas de aprendizagem em ambientes virtuais\n"
            "Data: 16/03/2027 - 15h\n"
            "Local: ???\n"
            "Orientador: Prof. Dr. Sérgio Nery Simões (Ifes)\n"
            "Membro interno: Prof. Dr. Lucas Covre Gobbi (Ifes)\n"
            "Membro externo: ???\n"
            "\n"
            "Murilo\n"
        ),
        student="Murilo Bazoni Tosi",
        title="Recomendação de trilhas de aprendizagem em ambientes virtuais",
        date=D(2027, 3, 16),
        time=T(15, 0),
        room="",
        members=[
            (ADV, "Sérgio Nery Simões"),
            (INT, "Lucas Covre Gobbi"),
        ],
        missing=["room", "external"],
    ),
    # The title in capitals, as copied from the cover page.
    "title_in_capitals": Voice(
        subject="Solicitação de defesa de mestrado",
        from_="Otávio Pignaton Frechiani <otavio.frechiani@aluno.ifes.edu.br>",
        body=(
            "Prezados,\n"
            "\n"
            "Solicito agendamento de defesa com os dados abaixo.\n"
            "\n"
            "TÍTULO: PREDIÇÃO DE EVASÃO ESCOLAR NO ENSINO TÉCNICO COM FLORESTAS ALEATÓRIAS\n"
            "DATA: 22/03/2027\n"
            "HORÁRIO: 08h30\n"
            "LOCAL: SALA 101 DO BLOCO A\n"
            "ORIENTADOR: PROF. DR. KLEBER NOGUEIRA FAVARATO (IFES)\n"
            "MEMBRO INTERNO: PROFA. DRA. DÉBORA VIEIRA SCARAMUSSA (IFES)\n"
            "MEMBRO EXTERNO: PROF. DR. ROBERTO CAMPOS LUCHI (UFES)\n"
            "\n"
            "Otávio\n"
        ),
        student="Otávio Pignaton Frechiani",
        title="Predição de evasão escolar no ensino técnico com florestas aleatórias",
        date=D(2027, 3, 22),
        time=T(8, 30),
        room="Sala 101 do Bloco A",
        members=[
            (ADV, "Kleber Nogueira Favarato"),
            (INT, "Débora Vieira Scaramussa"),
            (EXT, "Roberto Campos Luchi"),
        ],
    ),
    # The title wraps onto a second line.
    "title_over_two_lines": Voice(
        subject="Agendamento da defesa",
        from_="Lorena Bicalho Peterle <lorena.peterle@aluno.ifes.edu.br>",
        body=(
            "Bom dia, secretaria!\n"
            "\n"
            "Título: Uma abordagem baseada em ontologias para integração de dados\n"
            "abertos governamentais em painéis de transparência\n"
            "Data: 18/03/2027\n"
            "Horário: 9h30\n"
            "Local: Sala 207 do Bloco C\n"
            "Orientadora: Profa. Dra. Mirella Cypriano Deps (Ifes)\n"
            "Membro interno: Prof. Dr. Valdir Lamas Batista (Ifes)\n"
            "Membro externo: Prof. Dr. Júlio César Nardi (UFES)\n"
            "\n"
            "Obrigada!\n"
            "Lorena Bicalho Peterle\n"
        ),
        student="Lorena Bicalho Peterle",
        title="Uma abordagem baseada em ontologias para integração de dados abertos "
        "governamentais em painéis de transparência",
        date=D(2027, 3, 18),
        time=T(9, 30),
        room="Sala 207 do Bloco C",
        members=[
            (ADV, "Mirella Cypriano Deps"),
            (INT, "Valdir Lamas Batista"),
            (EXT, "Júlio César Nardi"),
        ],
    ),
    # A title with its own colon.
    "title_with_a_colon": Voice(
        subject="Defesa - Caio Bellumat Demuner",
        from_="Caio Bellumat Demuner <caio.demuner@aluno.ifes.edu.br>",
        body=(
            "Prezados,\n"
            "\n"
            "Título: GraphGuard: detecção de fraudes em transações Pix com redes neurais em "
            "grafos\n"
            "Data: 12/04/2027, 10h\n"
            "Local: Lab. de Inteligência Computacional (sala 112 do Bloco B)\n"
            "\n"
            "Banca:\n"
            "Prof. Dr. Fidelis Zanetti de Castro (Ifes) - orientador\n"
            "Prof. Dr. Jefferson Oliveira Andrade (Ifes) - coorientador\n"
            "Prof. Dr. Karin Satie Komati (Ifes)\n"
            "Prof. Dr. Eduardo Mendes Zambon (Itaú Unibanco)\n"
            "\n"
            "Caio\n"
        ),
        student="Caio Bellumat Demuner",
        title="GraphGuard: detecção de fraudes em transações Pix com redes neurais em grafos",
        date=D(2027, 4, 12),
        time=T(10, 0),
        room="Lab. de Inteligência Computacional (sala 112 do Bloco B)",
        members=[
            (ADV, "Fidelis Zanetti de Castro"),
            (CO, "Jefferson Oliveira Andrade"),
            (INT, "Karin Satie Komati"),
            (EXT, "Eduardo Mendes Zambon"),
        ],
    ),
    # A title that asks a question, in straight quotes inside the sentence.
    "title_with_a_question_mark": Voice(
        subject="Solicitação de agendamento",
        from_="Rodrigo Passamani Fraga <rodrigo.fraga@aluno.ifes.edu.br>",
        body=(
            "Boa tarde,\n"
            "\n"
            'Venho solicitar o agendamento da defesa da minha dissertação, "Modelos de '
            'linguagem entendem código legado? Um estudo com sistemas COBOL", para o dia '
            "05/04/2027, às 15h, na Sala 206 do Bloco C.\n"
            "\n"
            "Orientador: Prof. Dr. Rodolfo da Silva Villaça (Ifes)\n"
            "Membro interno: Prof. Dr. Maxwell Eduardo Monteiro (Ifes)\n"
            "Membro externo: Prof. Dr. Vinicius Fernandes Soares Mota (UFES)\n"
            "\n"
            "Atenciosamente,\n"
            "Rodrigo Passamani Fraga\n"
        ),
        student="Rodrigo Passamani Fraga",
        title="Modelos de linguagem entendem código legado? Um estudo com sistemas COBOL",
        date=D(2027, 4, 5),
        time=T(15, 0),
        room="Sala 206 do Bloco C",
        members=[
            (ADV, "Rodolfo da Silva Villaça"),
            (INT, "Maxwell Eduardo Monteiro"),
            (EXT, "Vinicius Fernandes Soares Mota"),
        ],
    ),
    # Typographic dashes between labels and values, and an end time.
    "typographic_dashes_and_a_time_range": Voice(
        subject="Agendamento de defesa — Sabrina Loureiro Gon",
        from_="Sabrina Loureiro Gon <sabrina.gon@aluno.ifes.edu.br>",
        body=(
            "Prezados,\n"
            "\n"
            "Data — 11/03/2027 (quinta-feira)\n"
            "Horário — 14h às 16h\n"
            "Local — Sala 209 do Bloco C\n"
            "Título — Interpretabilidade de modelos de crédito com valores de Shapley\n"
            "\n"
            "Banca examinadora —\n"
            "Orientador: Prof. Dr. Mateus Conrad Barcellos da Costa (Ifes)\n"
            "Membro interno: Prof. Dr. Thiago Meireles Paixão (Ifes)\n"
            "Membro externo: Prof. Dr. Alberto Ferreira De Souza (UFES)\n"
            "Suplente: Prof. Dr. Daniel Cruz Cavalieri (Ifes)\n"
            "\n"
            "Sabrina\n"
        ),
        student="Sabrina Loureiro Gon",
        title="Interpretabilidade de modelos de crédito com valores de Shapley",
        date=D(2027, 3, 11),
        time=T(14, 0),
        room="Sala 209 do Bloco C",
        members=[
            (ADV, "Mateus Conrad Barcellos da Costa"),
            (INT, "Thiago Meireles Paixão"),
            (EXT, "Alberto Ferreira De Souza"),
        ],
    ),
    # The secretariat said the external member was missing; the answer is above the quote.
    "reply_completing_a_missing_member": Voice(
        subject="Re: Defesa de mestrado - Jéssica Altoé Zorzal",
        from_="Jéssica Altoé Zorzal <jessica.zorzal@aluno.ifes.edu.br>",
        body=(
            "Bom dia! O membro externo será o Prof. Dr. Rafael Queiroz Gonçalves, da UFSC.\n"
            "\n"
            "Obrigada,\n"
            "Jéssica\n"
            "\n"
            "Em ter., 26 de jan. de 2027 às 10:31, Secretaria PPComp "
            "<secretaria.ppcomp@ifes.edu.br> escreveu:\n"
            "> Bom dia, Jéssica. Falta informar o membro externo da banca.\n"
            ">\n"
            "> Em seg., 25 de jan. de 2027 às 17:50, Jéssica Altoé Zorzal "
            "<jessica.zorzal@aluno.ifes.edu.br> escreveu:\n"
            ">> Prezados,\n"
            ">> Solicito o agendamento da minha defesa.\n"
            ">> Título: Geração procedural de níveis em jogos com modelos de difusão\n"
            ">> Data: 25/02/2027\n"
            ">> Horário: 10h\n"
            ">> Local: Sala 204 do Bloco C\n"
            ">> Orientador: Prof. Dr. Hilário Seibel Júnior (Ifes)\n"
            ">> Membro interno: Profa. Dra. Renata Silva Casagrande (Ifes)\n"
            ">> Membro externo: a definir\n"
        ),
        student="Jéssica Altoé Zorzal",
        title="Geração procedural de níveis em jogos com modelos de difusão",
        date=D(2027, 2, 25),
        time=T(10, 0),
        room="Sala 204 do Bloco C",
        members=[
            (ADV, "Hilário Seibel Júnior"),
            (INT, "Renata Silva Casagrande"),
            (EXT, "Rafael Queiroz Gonçalves"),
        ],
    ),
    # Another Instituto Federal is another institution; a full Ifes campus name is ours.
    "another_federal_institute_is_external": Voice(
        subject="Pedido de agendamento de defesa",
        from_="Diego Favero Subtil <diego.subtil@aluno.ifes.edu.br>",
        body=(
            "Prezados,\n"
            "\n"
            "Solicito o agendamento da minha defesa.\n"
            "\n"
            "Título: Gerenciamento de energia em redes LoRaWAN para agricultura de precisão\n"
            "Data: 15/03/2027\n"
            "Horário: 10h\n"
            "Local: Sala 203 do Bloco C\n"
            "\n"
            "Orientador: Prof. Dr. Clebson Joel Mendes de Oliveira — Ifes\n"
            "Membro interno: Prof. Dr. André Gustavo Adami — Instituto Federal do Espírito "
            "Santo, Campus Colatina\n"
            "Membro externo: Prof. Dr. Manoel Carvalho Marques Neto — IFBA\n"
            "\n"
            "Diego Favero Subtil\n"
        ),
        student="Diego Favero Subtil",
        title="Gerenciamento de energia em redes LoRaWAN para agricultura de precisão",
        date=D(2027, 3, 15),
        time=T(10, 0),
        room="Sala 203 do Bloco C",
        members=[
            (ADV, "Clebson Joel Mendes de Oliveira"),
            (INT, "André Gustavo Adami"),
            (EXT, "Manoel Carvalho Marques Neto"),
        ],
    ),
    # An Outlook forward in Portuguese (De/Enviado/Para/Assunto) from the advisor.
    "outlook_forward_from_the_advisor": Voice(
        subject="ENC: Solicitação de defesa",
        from_="Roberta Fardin Tozzi <roberta.tozzi@ifes.edu.br>",
        body=(
            "Prezada secretaria, encaminho a solicitação do meu orientando. De acordo.\n"
            "\n"
            "Profa. Roberta Fardin Tozzi\n"
            "\n"
            "________________________________\n"
            "De: Natan Gobbi Bissa <natan.bissa@aluno.ifes.edu.br>\n"
            "Enviado: quinta-feira, 28 de janeiro de 2027 14:22\n"
            "Para: Roberta Fardin Tozzi <roberta.tozzi@ifes.edu.br>\n"
            "Assunto: Solicitação de defesa\n"
            "\n"
            "Professora,\n"
            "\n"
            "Seguem os dados da defesa para a senhora encaminhar:\n"
            "\n"
            "Título: Otimização de consultas em bancos de dados de séries temporais\n"
            "Data: 23/02/2027\n"
            "Horário: 10h\n"
            "Local: Sala 105 do Bloco B\n"
            "Orientadora: Profa. Dra. Roberta Fardin Tozzi (Ifes)\n"
            "Membro interno: Prof. Dr. Gilmar Luiz Vassoler (Ifes)\n"
            "Membro externo: Prof. Dr. Ronaldo dos Santos Mello (UFSC)\n"
            "\n"
            "Natan\n"
        ),
        student="Natan Gobbi Bissa",
        title="Otimização de consultas em bancos de dados de séries temporais",
        date=D(2027, 2, 23),
        time=T(10, 0),
        room="Sala 105 do Bloco B",
        members=[
            (ADV, "Roberta Fardin Tozzi"),
            (INT, "Gilmar Luiz Vassoler"),
            (EXT, "Ronaldo dos Santos Mello"),
        ],
    ),
    # HTML with a text part too; data in <strong> inside <p>, the committee as a list.
    "html_paragraphs_and_a_list": Voice(
        subject="Solicitação de agendamento de defesa - Mestrado PPComp",
        from_="Ângelo Calmon Merçon <angelo.mercon@aluno.ifes.edu.br>",
        body=(
            "Prezados,\n"
            "\n"
            "Estudante: Ângelo Calmon Merçon\n"
            "Título: Escalabilidade de blockchains permissionadas para registros acadêmicos\n"
            "Data: 04/03/2027\n"
            "Horário: 14h\n"
            "Local: sala de reuniões do PPComp\n"
            "Banca:\n"
            "* Prof. Dr. Rodrigo Varejão Andreão (Ifes) - orientador\n"
            "* Prof. Dr. Ivan Mário Pinto Ribeiro (Ifes)\n"
            "* Profa. Dra. Vanessa Battestin Nunes (Fucape Business School)\n"
        ),
        html=(
            "<p>Prezados,</p>"
            "<p><strong>Estudante:</strong> Ângelo Calmon Merçon</p>"
            "<p><strong>Título:</strong> Escalabilidade de blockchains permissionadas para "
            "registros acadêmicos</p>"
            "<p><strong>Data:</strong> 04/03/2027</p>"
            "<p><strong>Horário:</strong> 14h</p>"
            "<p><strong>Local:</strong> sala de reuniões do PPComp</p>"
            "<p><strong>Banca:</strong></p><ul>"
            "<li>Prof. Dr. Rodrigo Varejão Andreão (Ifes) - orientador</li>"
            "<li>Prof. Dr. Ivan Mário Pinto Ribeiro (Ifes)</li>"
            "<li>Profa. Dra. Vanessa Battestin Nunes (Fucape Business School)</li></ul>"
        ),
        student="Ângelo Calmon Merçon",
        title="Escalabilidade de blockchains permissionadas para registros acadêmicos",
        date=D(2027, 3, 4),
        time=T(14, 0),
        room="sala de reuniões do PPComp",
        members=[
            (ADV, "Rodrigo Varejão Andreão"),
            (INT, "Ivan Mário Pinto Ribeiro"),
            (EXT, "Vanessa Battestin Nunes"),
        ],
    ),
    # Presidente and a coorientador from another university (still the co-advisor).
    "external_coadvisor": Voice(
        subject="Defesa de mestrado: agendamento",
        from_="Tatiana Moschen Brandão <tatiana.brandao@aluno.ifes.edu.br>",
        body=(
            "Boa noite,\n"
            "\n"
            "Solicito o agendamento da minha defesa de mestrado no dia 9 de março, às 10h, "
            "no auditório do prédio da pós.\n"
            "\n"
            "Título: Tradução automática de Libras para português com transformers "
            "multimodais\n"
            "\n"
            "Presidente da banca: Prof. Dr. Sandro Brunelli Pereira (Ifes)\n"
            "Coorientador: Prof. Dr. Felipe Meireles Leite (UFES)\n"
            "Examinador interno: Prof. Dr. Wanderson Pinto Gomes (Ifes)\n"
            "Examinadora externa: Profa. Dra. Cristina Ayres Vasconcellos (USP)\n"
            "\n"
            "Atenciosamente,\n"
            "Tatiana Moschen Brandão\n"
        ),
        student="Tatiana Moschen Brandão",
        title="Tradução automática de Libras para português com transformers multimodais",
        date=D(2027, 3, 9),
        time=T(10, 0),
        room="auditório do prédio da pós",
        members=[
            (ADV, "Sandro Brunelli Pereira"),
            (CO, "Felipe Meireles Leite"),
            (INT, "Wanderson Pinto Gomes"),
            (EXT, "Cristina Ayres Vasconcellos"),
        ],
    ),
    # A numbered committee with roles after the institution, and a signature block with
    # the student's program, phone and registration number.
    "numbered_committee_and_a_signature": Voice(
        subject="Solicitação de defesa de dissertação",
        from_="Paulo Henrique Zucolotto <paulo.zucolotto@aluno.ifes.edu.br>",
        body=(
            "Prezada Secretaria do PPComp,\n"
            "\n"
            "Venho por meio deste solicitar o agendamento da defesa da minha dissertação "
            "de mestrado, intitulada “Auto-scaling preditivo de contêineres em nuvens "
            "privadas”, a ser realizada em 01/04/2027, às 9h, na Sala 208 do Bloco C.\n"
            "\n"
            "Banca examinadora:\n"
            "1. Prof. Dr. Moisés Renato Nunes Ribeiro - Ifes (orientador)\n"
            "2. Prof. Dr. Cássio Alves Lemos - Ifes (membro interno)\n"
            "3. Prof. Dr. Magnos Martinello Vieira - UFES (membro externo)\n"
            "\n"
            "Atenciosamente,\n"
            "\n"
            "Paulo Henrique Zucolotto\n"
            "Mestrando - PPComp/Ifes\n"
            "Matrícula 20251MPCA0042\n"
            "(27) 99812-4410\n"
        ),
        student="Paulo Henrique Zucolotto",
        title="Auto-scaling preditivo de contêineres em nuvens privadas",
        date=D(2027, 4, 1),
        time=T(9, 0),
        room="Sala 208 do Bloco C",
        members=[
            (ADV, "Moisés Renato Nunes Ribeiro"),
            (INT, "Cássio Alves Lemos"),
            (EXT, "Magnos Martinello Vieira"),
        ],
    ),
}


@pytest.mark.parametrize("voice", VOICES.values(), ids=VOICES.keys())
def test_voice_is_read_as_a_secretary_reads_it(voice):
    assert mismatches(voice) == []
