"""Round 3 of unseen voices: defence requests written before reading the reader's code.

Each case is a whole email as it arrives (forwards, replies, HTML tables, attached
messages), read by `reading.read_defense` as the workflow reads it. Every field is
checked; values compare as the reading bench compares them (case, spacing and surrounding
punctuation do not matter, "Sala 206" and "206" are one room).
"""

from __future__ import annotations

import datetime
from email.message import EmailMessage

import pytest

from defesa.tests.voices import ADV, CO, EXT, INT, Voice, mismatches


def _inner(*, from_: str, subject: str, body: str, date: str) -> EmailMessage:
    inner = EmailMessage()
    inner["From"] = from_
    inner["To"] = "Mônica Rangel Peixoto <monica.peixoto@ifes.edu.br>"
    inner["Subject"] = subject
    inner["Date"] = date
    inner.set_content(body)
    return inner


OUTLOOK_HEAD = (
    '<html xmlns:v="urn:schemas-microsoft-com:vml"'
    ' xmlns:o="urn:schemas-microsoft-com:office:office"'
    ' xmlns:w="urn:schemas-microsoft-com:office:word"><head>'
    '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">'
    "<style><!-- p.MsoNormal, li.MsoNormal {margin:0cm;font-size:11.0pt;"
    'font-family:"Calibri",sans-serif;} --></style></head>'
    '<body lang="PT-BR" link="#0563C1" vlink="#954F72"><div class="WordSection1">'
)


def _mso(text: str) -> str:
    return f'<p class="MsoNormal">{text}<o:p></o:p></p>'


def _outlook_row(label: str, value: str) -> str:
    cell = 'valign="top" style="border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt"'
    return (
        f'<tr><td width="160" {cell}>{_mso(f"<b>{label}</b>")}</td>'
        f'<td width="420" {cell}>{_mso(value)}</td></tr>'
    )


OUTLOOK_TABLE_HTML = (
    OUTLOOK_HEAD
    + _mso("Prezados,")
    + _mso("&nbsp;")
    + _mso("Segue abaixo os dados para agendamento da defesa de mestrado:")
    + '<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0"'
    ' style="border-collapse:collapse;border:none"><tbody>'
    + _outlook_row("Discente", "Yasmin Ferreira de Castro e Sá")
    + _outlook_row(
        "Título",
        "Um Estudo sobre Ataques Adversariais em Classificadores de Malware para Android",
    )
    + _outlook_row("Data", "12.03.2027")
    + _outlook_row("Horário", "15:30h")
    + _outlook_row("Local", "Auditório do Bloco C")
    + _outlook_row(
        "Banca",
        "Marcelo Vasconcelos Pinto (Orientador – Ifes)<br>"
        "Gustavo Rezende Falcão (Membro interno – Ifes)<br>"
        "Juliana Menezes Barbosa (Membro externo – UFMG)",
    )
    + "</tbody></table>"
    + _mso("&nbsp;")
    + _mso("Att.,")
    + _mso("Marcelo")
    + "</div></body></html>"
)

OUTLOOK_TABLE_TEXT = """Prezados,

Segue abaixo os dados para agendamento da defesa de mestrado:

Discente

Yasmin Ferreira de Castro e Sá

Título

Um Estudo sobre Ataques Adversariais em Classificadores de Malware para Android

Data

12.03.2027

Horário

15:30h

Local

Auditório do Bloco C

Banca

Marcelo Vasconcelos Pinto (Orientador – Ifes)
Gustavo Rezende Falcão (Membro interno – Ifes)
Juliana Menezes Barbosa (Membro externo – UFMG)



Att.,

Marcelo
"""

_GMAIL_TD = 'style="border:1px solid rgb(0,0,0);padding:4px 8px"'


def _gmail_row(label: str, value: str) -> str:
    return f"<tr><td {_GMAIL_TD}><b>{label}</b></td><td {_GMAIL_TD}>{value}</td></tr>"


GMAIL_TABLE_HTML = (
    '<div dir="ltr"><div>Olá,</div><div><br></div><div>Segue a solicitação de defesa.</div>'
    '<div><br></div><table style="border-collapse:collapse" cellspacing="0"><tbody>'
    + _gmail_row("Aluno", "Hugo Estevão Marçal")
    + _gmail_row("Título", "Computação de Borda para Monitoramento de Qualidade do Ar")
    + _gmail_row("Data", "10/06/2027")
    + _gmail_row("Horário", "08:30")
    + _gmail_row("Local", "Sala 210")
    + _gmail_row(
        "Banca",
        "Prof. Dr. Saulo Furtado Rios (orientador) – Ifes<br>"
        "Profa. Dra. Aline Coelho Batista – Ifes<br>"
        "Prof. Dr. Rui Pestana Moura – Universidade do Porto",
    )
    + "</tbody></table><div><br></div><div>Obrigado,</div><div>Saulo</div><div><br></div>"
    '<span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature">'
    "<div>Saulo Furtado Rios</div><div>Professor - Ifes Campus Serra</div></div></div>"
)

GMAIL_TABLE_TEXT = """Olá,

Segue a solicitação de defesa.

Aluno Hugo Estevão Marçal
Título Computação de Borda para Monitoramento de Qualidade do Ar
Data 10/06/2027
Horário 08:30
Local Sala 210
Banca Prof. Dr. Saulo Furtado Rios (orientador) – Ifes
Profa. Dra. Aline Coelho Batista – Ifes
Prof. Dr. Rui Pestana Moura – Universidade do Porto

Obrigado,
Saulo

--
Saulo Furtado Rios
Professor - Ifes Campus Serra
"""


def _row(label: str, value: str) -> str:
    return f"<tr><td><b>{label}</b></td><td>{value}</td></tr>"


HTML_ONLY_TABLE = (
    "<html><body><p>Prezada secretaria,</p><p>Solicito o agendamento abaixo:</p>"
    '<table border="1" cellpadding="4">'
    + _row("Nome do(a) mestrando(a)", "Rafaela Bortolini de Assis")
    + _row("Título", "Uso de Grafos de Conhecimento para Recomendação de Disciplinas")
    + _row("Data/Hora", "14/05/2027 - 9h30")
    + _row("Local", "Sala 202 do Bloco A")
    + _row("Orientador", "Prof. Dr. Sidney Klein Ferraço (Ifes)")
    + _row("Membro interno", "Profa. Dra. Tânia Regina Guimarães (Ifes)")
    + _row("Membro externo", "Prof. Dr. Cláudio Abreu Fontana (UFES)")
    + _row("Suplente", "Prof. Dr. Moisés Paranhos Leite (Ifes)")
    + "</table><p>Cordialmente,<br>Sidney Klein Ferraço</p></body></html>"
)


VOICES = {
    "form-odd-labels": Voice(
        subject="Agendamento de defesa - Letícia Marinho dos Anjos",
        from_="Prof. Joaquim Brandão de Figueiredo <joaquim.figueiredo@ifes.edu.br>",
        body="""Prezada secretaria,

Solicito o agendamento da defesa conforme dados abaixo.

Nome do(a) mestrando(a): Letícia Marinho dos Anjos
Título do trabalho: Detecção de Anomalias em Redes IoT com Autoencoders Variacionais
Data/Hora: 05/03/2027 às 14h
Local: Sala 204 do Bloco A
Composição da banca:
Prof. Dr. Joaquim Brandão de Figueiredo (orientador) - Ifes
Profa. Dra. Cecília Amaral Nóbrega (coorientadora) - Ifes
Prof. Dr. Rafael Tavares da Cunha - Ifes
Prof. Dr. Otávio Bezerra Leal - UFES

Atenciosamente,
Joaquim
""",
        student="Letícia Marinho dos Anjos",
        title="Detecção de Anomalias em Redes IoT com Autoencoders Variacionais",
        date=datetime.date(2027, 3, 5),
        time=datetime.time(14, 0),
        room="Sala 204 do Bloco A",
        members=[
            (ADV, "Joaquim Brandão de Figueiredo"),
            (CO, "Cecília Amaral Nóbrega"),
            (INT, "Rafael Tavares da Cunha"),
            (EXT, "Otávio Bezerra Leal"),
        ],
    ),
    "prose-por-mim-pelo-pela": Voice(
        subject="Defesa do Caio",
        from_='"Beatriz Coutinho d\'Ávila" <beatriz.davila@ifes.edu.br>',
        body="""Oi, pessoal da secretaria, tudo bem?

O meu orientando Caio Henrique Salles Pimentel vai defender a dissertação "Escalonamento \
de Contêineres em Nuvens Híbridas Usando Aprendizado por Reforço" no dia 5/3, às 9 horas, \
na sala 206 do Bloco C. A banca será formada por mim, pelo professor Vinícius Lacerda \
Moura, do Ifes, e pela professora Helena Queiroz de Albuquerque, da UFES.

Obrigada!
Bia
""",
        student="Caio Henrique Salles Pimentel",
        title="Escalonamento de Contêineres em Nuvens Híbridas Usando Aprendizado por Reforço",
        date=datetime.date(2027, 3, 5),
        time=datetime.time(9, 0),
        room="Sala 206 do Bloco C",
        members=[
            (ADV, "Beatriz Coutinho d'Ávila"),
            (INT, "Vinícius Lacerda Moura"),
            (EXT, "Helena Queiroz de Albuquerque"),
        ],
    ),
    "outlook-table": Voice(
        subject="Solicitação de agendamento de defesa de mestrado",
        from_="Prof. Dr. Marcelo Vasconcelos Pinto <marcelo.pinto@ifes.edu.br>",
        body=OUTLOOK_TABLE_TEXT,
        html=OUTLOOK_TABLE_HTML,
        student="Yasmin Ferreira de Castro e Sá",
        title="Um Estudo sobre Ataques Adversariais em Classificadores de Malware para Android",
        date=datetime.date(2027, 3, 12),
        time=datetime.time(15, 30),
        room="Auditório do Bloco C",
        members=[
            (ADV, "Marcelo Vasconcelos Pinto"),
            (INT, "Gustavo Rezende Falcão"),
            (EXT, "Juliana Menezes Barbosa"),
        ],
    ),
    "gmail-forward-student-online": Voice(
        subject="Fwd: Dados da minha defesa",
        from_="Rodrigo Antunes Siqueira <rodrigo.siqueira@ifes.edu.br>",
        body="""Segue pedido do meu orientando. Pode agendar, por favor.

---------- Forwarded message ---------
From: Túlio Nascimento de Araújo <tulio.araujo@aluno.ifes.edu.br>
Date: seg., 1 de fev. de 2027 às 10:12
Subject: Dados da minha defesa
To: Rodrigo Antunes Siqueira <rodrigo.siqueira@ifes.edu.br>


Professor, seguem os dados da minha defesa para o senhor encaminhar à secretaria:

Título: Reconhecimento de Entidades Nomeadas em Documentos Jurídicos com Modelos de Linguagem
Data: quinta-feira (11/03)
Horário: 14:00
Modalidade: online
Link: https://meet.google.com/abc-defg-hij

Banca:
- Prof. Rodrigo Antunes Siqueira (orientador, Ifes)
- Prof. Daniel Prates Valadares (Ifes)
- Profa. Mirela Gonçalves Toledo (Universidade Federal de Viçosa)

Abraço,
Túlio
""",
        student="Túlio Nascimento de Araújo",
        title="Reconhecimento de Entidades Nomeadas em Documentos Jurídicos com Modelos de "
        "Linguagem",
        date=datetime.date(2027, 3, 11),
        time=datetime.time(14, 0),
        room="Virtual",
        link="https://meet.google.com/abc-defg-hij",
        members=[
            (ADV, "Rodrigo Antunes Siqueira"),
            (INT, "Daniel Prates Valadares"),
            (EXT, "Mirela Gonçalves Toledo"),
        ],
    ),
    "outlook-forward-prose-suplente": Voice(
        subject="ENC: Defesa de mestrado - Renata Okamoto Lins",
        from_="Fabrício Lemos Guimarães <fabricio.guimaraes@ifes.edu.br>",
        body="""Encaminho para as providências.

Fabrício

________________________________
De: Sérgio Valente de Moraes <sergio.moraes@ifes.edu.br>
Enviado: terça-feira, 26 de janeiro de 2027 16:40
Para: Fabrício Lemos Guimarães <fabricio.guimaraes@ifes.edu.br>
Assunto: Defesa de mestrado - Renata Okamoto Lins

Fabrício, boa tarde.

Gostaria de agendar a defesa de mestrado da aluna Renata Okamoto Lins, intitulada \
"Otimização de Consultas em Bancos de Dados Orientados a Grafos", para o dia 18 de março, \
às 10h, na sala 110 do prédio da Pós-Graduação.

A banca será composta por:
Sérgio Valente de Moraes – orientador (Ifes)
Priscila Monteiro Dias – coorientadora (Ifes)
André Luiz Bastos Filho – membro interno (Ifes)
Fernanda Cavalcanti Rocha – membro externo (Universidade Federal do Rio de Janeiro)
Suplente: Luciano Paiva Neto (Ifes)

Obrigado,
Sérgio
""",
        student="Renata Okamoto Lins",
        title="Otimização de Consultas em Bancos de Dados Orientados a Grafos",
        date=datetime.date(2027, 3, 18),
        time=datetime.time(10, 0),
        room="Sala 110 do prédio da Pós-Graduação",
        members=[
            (ADV, "Sérgio Valente de Moraes"),
            (CO, "Priscila Monteiro Dias"),
            (INT, "André Luiz Bastos Filho"),
            (EXT, "Fernanda Cavalcanti Rocha"),
        ],
    ),
    "apple-forward-student": Voice(
        subject="Fwd: Defesa",
        from_="Patrícia Leão Sampaio <patricia.sampaio@ifes.edu.br>",
        body="""Segue abaixo.

Enviado do meu iPhone

Início da mensagem encaminhada:

> De: Guilherme Prado Ventura <guilherme.ventura@aluno.ifes.edu.br>
> Data: 28 de janeiro de 2027 às 21:03:11 BRT
> Para: Patrícia Leão Sampaio <patricia.sampaio@ifes.edu.br>
> Assunto: Defesa
>
> Professora, confirmei com todos da banca da minha defesa. Ficou assim:
> Data: 25/03/2027
> Hora: 16h
> Local: sala 204
> Banca: Patrícia Leão Sampaio (orientadora), Leonardo Brito Camargo (Ifes) e Ana Clara \
Fontes Ribeiro (UFES).
> Título: Classificação de Imagens Histopatológicas com Redes Neurais Convolucionais Leves
>
> Guilherme
""",
        student="Guilherme Prado Ventura",
        title="Classificação de Imagens Histopatológicas com Redes Neurais Convolucionais Leves",
        date=datetime.date(2027, 3, 25),
        time=datetime.time(16, 0),
        room="Sala 204",
        members=[
            (ADV, "Patrícia Leão Sampaio"),
            (INT, "Leonardo Brito Camargo"),
            (EXT, "Ana Clara Fontes Ribeiro"),
        ],
    ),
    "attached-message-teams": Voice(
        subject="Fwd: Agendamento de defesa",
        from_="Mônica Rangel Peixoto <monica.peixoto@ifes.edu.br>",
        body="Prezada Juliana, segue em anexo o pedido da minha orientanda.\n\nMônica\n",
        attached=_inner(
            from_="Larissa Quintão Borges <larissa.borges@aluno.ifes.edu.br>",
            subject="Agendamento de defesa",
            date="Wed, 27 Jan 2027 18:22:05 -0300",
            body="""Prezada professora Mônica,

Seguem os dados para a minha defesa:

Aluna: Larissa Quintão Borges
Título: Geração Automática de Casos de Teste a partir de Requisitos em Linguagem Natural
Data: 8 de abril de 2027
Horário: 13h30
Local: Virtual (Microsoft Teams)
Link: https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjY4ZTk0@thread.v2/0

Banca:
Orientadora: Profa. Dra. Mônica Rangel Peixoto (Ifes)
Membro interno: Prof. Dr. Wagner Duarte Silveira (Ifes)
Membro externo: Prof. Dr. Henrique Castelo Branco (UFRJ)

Larissa
""",
        ),
        student="Larissa Quintão Borges",
        title="Geração Automática de Casos de Teste a partir de Requisitos em Linguagem Natural",
        date=datetime.date(2027, 4, 8),
        time=datetime.time(13, 30),
        room="Virtual",
        link="https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjY4ZTk0@thread.v2/0",
        members=[
            (ADV, "Mônica Rangel Peixoto"),
            (INT, "Wagner Duarte Silveira"),
            (EXT, "Henrique Castelo Branco"),
        ],
    ),
    "reply-reschedules-gmail-quote": Voice(
        subject="Re: Agendamento de defesa - Natália Rocha Bittencourt",
        from_="Carlos Eduardo Magalhães <carlos.magalhaes@ifes.edu.br>",
        body="""Prezados, por conflito de agenda do membro externo, a defesa passa para o dia \
22/04 às 14h, na mesma sala. O restante permanece.

Carlos

Em seg., 1 de fev. de 2027 às 09:15, Carlos Eduardo Magalhães <carlos.magalhaes@ifes.edu.br> \
escreveu:
> Prezada secretaria,
> Solicito agendar a defesa da mestranda Natália Rocha Bittencourt.
> Título: Previsão de Demanda Energética com Redes LSTM e Dados Climáticos
> Data: 15/04/2027
> Horário: 9h
> Local: Sala 301 do Bloco B
> Banca: Carlos Eduardo Magalhães (orientador, Ifes); Simone Araújo Teixeira (Ifes); \
Roberto Falcão de Mello (UFES)
""",
        student="Natália Rocha Bittencourt",
        title="Previsão de Demanda Energética com Redes LSTM e Dados Climáticos",
        date=datetime.date(2027, 4, 22),
        time=datetime.time(14, 0),
        room="Sala 301 do Bloco B",
        members=[
            (ADV, "Carlos Eduardo Magalhães"),
            (INT, "Simone Araújo Teixeira"),
            (EXT, "Roberto Falcão de Mello"),
        ],
    ),
    "room-a-definir": Voice(
        subject="Defesa de mestrado - Kauã Rebouças Teles",
        from_="Prof. Augusto Lima Nogueira <augusto.nogueira@ifes.edu.br>",
        body="""Bom dia,

Seguem os dados para agendamento:

Mestrando: Kauã Rebouças Teles
Título: Mineração de Processos Aplicada a Logs de Sistemas Hospitalares
Data: 06/05/2027
Hora: 14:30h
Local: a definir
Banca:
Augusto Lima Nogueira – orientador – Ifes
Tatiane Gomes Ferraz – Ifes
Mauro Bicalho de Souza – Ufes

Augusto
""",
        student="Kauã Rebouças Teles",
        title="Mineração de Processos Aplicada a Logs de Sistemas Hospitalares",
        date=datetime.date(2027, 5, 6),
        time=datetime.time(14, 30),
        room="",
        missing=["room"],
        members=[
            (ADV, "Augusto Lima Nogueira"),
            (INT, "Tatiane Gomes Ferraz"),
            (EXT, "Mauro Bicalho de Souza"),
        ],
    ),
    "link-envio-depois": Voice(
        subject="Defesa online - Rômulo Fardin Zanetti",
        from_="Profa. Elaine Carvalho Boechat <elaine.boechat@ifes.edu.br>",
        body="""Olá, Juliana!

Segue o pedido de agendamento da defesa do meu orientando.

Aluno: Rômulo Fardin Zanetti
Título: Recuperação de Informação Multimodal em Acervos Digitais de Museus
Data: 19/03/2027
Horário: 9h
Modalidade: online
Link: (envio depois)
Banca:
Elaine Carvalho Boechat (orientadora) - Ifes
Jefferson Morais Loureiro - Ifes
Tereza Cristina d'Oliveira - UFPE

Obrigada!
Elaine
""",
        student="Rômulo Fardin Zanetti",
        title="Recuperação de Informação Multimodal em Acervos Digitais de Museus",
        date=datetime.date(2027, 3, 19),
        time=datetime.time(9, 0),
        room="Virtual",
        promised=["link"],
        members=[
            (ADV, "Elaine Carvalho Boechat"),
            (INT, "Jefferson Morais Loureiro"),
            (EXT, "Tereza Cristina d'Oliveira"),
        ],
    ),
    "english-tbd-room-2pm": Voice(
        subject="Master's defense scheduling – Isabela Furtado Cordeiro",
        from_="Lucas Montenegro de Vasconcellos <lucas.vasconcellos@ifes.edu.br>",
        body="""Dear PPComp secretariat,

I would like to schedule the master's defense of my student Isabela Furtado Cordeiro.

Title: Federated Learning for Privacy-Preserving Intrusion Detection in Smart Grids
Date: March 5, 2027
Time: 2 pm
Room: TBD
Committee:
- Lucas Montenegro de Vasconcellos (advisor, Ifes)
- Rogério Pacheco Amaral (Ifes)
- Sofia Brennand Cavalcanti (Universidade de Lisboa)

Best regards,
Lucas
""",
        student="Isabela Furtado Cordeiro",
        title="Federated Learning for Privacy-Preserving Intrusion Detection in Smart Grids",
        date=datetime.date(2027, 3, 5),
        time=datetime.time(14, 0),
        room="",
        missing=["room"],
        members=[
            (ADV, "Lucas Montenegro de Vasconcellos"),
            (INT, "Rogério Pacheco Amaral"),
            (EXT, "Sofia Brennand Cavalcanti"),
        ],
    ),
    "numbered-avaliadores-xxx-time": Voice(
        subject="Dados de defesa - Matheus Vieira Godinho",
        from_="Profa. Denise Arruda Coelho <denise.coelho@ifes.edu.br>",
        body="""Prezados,

Encaminho os dados da defesa do aluno Matheus Vieira Godinho:

1. Título: Arquitetura de Microsserviços para Sistemas Acadêmicos: Um Estudo de Caso no Ifes
2. Data: 14/04/2027
3. Horário: xxx
4. Local: sala 108
5. Avaliadores:
   a) Profa. Denise Arruda Coelho – orientadora (Ifes)
   b) Prof. Ítalo Marques Freire (IFES Campus Vitória)
   c) Dr. Renan Queiroga Lopes (Vale)

Denise
""",
        student="Matheus Vieira Godinho",
        title="Arquitetura de Microsserviços para Sistemas Acadêmicos: Um Estudo de Caso no Ifes",
        date=datetime.date(2027, 4, 14),
        time=None,
        room="Sala 108",
        missing=["time"],
        members=[
            (ADV, "Denise Arruda Coelho"),
            (INT, "Ítalo Marques Freire"),
            (EXT, "Renan Queiroga Lopes"),
        ],
    ),
    "form-title-preencher-coadvisor-dash": Voice(
        subject="Solicitação de defesa",
        from_="Edson Tadeu Barreto <edson.barreto@ifes.edu.br>",
        body="""Segue formulário.

Nome do discente: Vitória Campos Leitão
Título da dissertação: [preencher]
Data: 20/05/2027
Horário: 10:00
Local: Sala 203 do Bloco B
Orientador: Prof. Dr. Edson Tadeu Barreto (Ifes)
Coorientador: —
Membro interno: Profa. Dra. Lívia Sant'Anna Moreira (Ifes)
Membro externo: Prof. Dr. Bruno Espíndola Carvalho (UFSC)
""",
        student="Vitória Campos Leitão",
        title="",
        missing=["title"],
        date=datetime.date(2027, 5, 20),
        time=datetime.time(10, 0),
        room="Sala 203 do Bloco B",
        members=[
            (ADV, "Edson Tadeu Barreto"),
            (INT, "Lívia Sant'Anna Moreira"),
            (EXT, "Bruno Espíndola Carvalho"),
        ],
    ),
    "external-dash-placeholder": Voice(
        subject="Pré-agendamento de defesa",
        from_="Wanderson Firme Callegari <wanderson.callegari@ifes.edu.br>",
        body="""Prezados,

Gostaria de pré-agendar a defesa abaixo. O membro externo ainda não confirmou; envio o \
nome assim que tiver.

Mestrando(a): Jonas Ribeiro Zanon
Título: Um Framework para Testes de Acessibilidade em Aplicativos Móveis
Data: 02/07/2027
Horário: 14h
Local: Sala 207
Orientador: Wanderson Firme Callegari (Ifes)
Membro interno: Cristiane Loss Bolonha (Ifes)
Membro externo: —

Wanderson
""",
        student="Jonas Ribeiro Zanon",
        title="Um Framework para Testes de Acessibilidade em Aplicativos Móveis",
        date=datetime.date(2027, 7, 2),
        time=datetime.time(14, 0),
        room="Sala 207",
        missing=["external"],
        members=[(ADV, "Wanderson Firme Callegari"), (INT, "Cristiane Loss Bolonha")],
    ),
    "terse-one-liner-eu": Voice(
        subject="defesa",
        from_="Hélio Drummond Castro <helio.castro@ifes.edu.br>",
        body="""Defesa da Amanda Lopes Sardinha dia 9/4 14h sala 205. Título: Sumarização \
Extrativa de Artigos Científicos em Português. Banca: eu, Fábio Reis Cunha (Ifes) e \
Mariana de Lourdes Paixão (UFES).
Hélio
""",
        student="Amanda Lopes Sardinha",
        title="Sumarização Extrativa de Artigos Científicos em Português",
        date=datetime.date(2027, 4, 9),
        time=datetime.time(14, 0),
        room="Sala 205",
        members=[
            (ADV, "Hélio Drummond Castro"),
            (INT, "Fábio Reis Cunha"),
            (EXT, "Mariana de Lourdes Paixão"),
        ],
    ),
    "formal-student-eu-dash-roles": Voice(
        subject="Solicitação de agendamento da minha defesa de mestrado",
        from_="Wesley Nunes Bragança <wesley.braganca@aluno.ifes.edu.br>",
        body="""Prezada Secretaria do PPComp,

Eu, Wesley Nunes Bragança, aluno regularmente matriculado no Programa de Pós-Graduação em \
Computação Aplicada, venho por meio deste solicitar o agendamento da minha defesa de \
dissertação, intitulada "Uma Abordagem Baseada em Ontologias para Interoperabilidade de \
Prontuários Eletrônicos", a ser realizada no dia 5 de maio de 2027, às 9 horas, no \
Auditório do Bloco C.

A banca examinadora será composta pelos seguintes professores:
Prof. Dr. Flávio Meirelles Coimbra — orientador (Ifes)
Prof. Dr. Ronaldo de Paula Saldanha — coorientador (Ifes)
Profa. Dra. Cristina Holanda Teixeira — membro interno (Ifes)
Prof. Dr. Alexandre Pires Vidal — membro externo (Universidade Federal de Minas Gerais)

Sem mais, agradeço a atenção.
Wesley Nunes Bragança
""",
        student="Wesley Nunes Bragança",
        title="Uma Abordagem Baseada em Ontologias para Interoperabilidade de Prontuários "
        "Eletrônicos",
        date=datetime.date(2027, 5, 5),
        time=datetime.time(9, 0),
        room="Auditório do Bloco C",
        members=[
            (ADV, "Flávio Meirelles Coimbra"),
            (CO, "Ronaldo de Paula Saldanha"),
            (INT, "Cristina Holanda Teixeira"),
            (EXT, "Alexandre Pires Vidal"),
        ],
    ),
    "hybrid-rnp": Voice(
        subject="Defesa de Mestrado — Jéssica Albuquerque Torres",
        from_="Tiago Ramalho Duarte <tiago.duarte@ifes.edu.br>",
        body="""Defesa de Mestrado — PPComp

Mestranda: Jéssica Albuquerque Torres
Título: Análise de Sentimentos em Redes Sociais durante Desastres Naturais
Data/Hora: 27/04/2027, 14h
Modalidade: híbrida
Local: Sala 206 do Bloco C
Link: https://conferenciaweb.rnp.br/sala/ppcomp-defesas
Composição da banca: Prof. Tiago Ramalho Duarte (orientador, Ifes), Profa. Elisa Vilaça de \
Mendonça (Ifes), Prof. Marcos Antônio Pereira Júnior (UFES)

Tiago
""",
        student="Jéssica Albuquerque Torres",
        title="Análise de Sentimentos em Redes Sociais durante Desastres Naturais",
        date=datetime.date(2027, 4, 27),
        time=datetime.time(14, 0),
        room="Sala 206 do Bloco C",
        link="https://conferenciaweb.rnp.br/sala/ppcomp-defesas",
        members=[
            (ADV, "Tiago Ramalho Duarte"),
            (INT, "Elisa Vilaça de Mendonça"),
            (EXT, "Marcos Antônio Pereira Júnior"),
        ],
    ),
    "prose-zoom-eu-orientadora": Voice(
        subject="Defesa de mestrado do Felipe",
        from_="Raquel Tostes Amorim <raquel.amorim@ifes.edu.br>",
        body="""Boa tarde!

Gostaria de marcar a defesa do meu orientando Felipe Gusmão Barros para 30/03/2027 \
(terça-feira), às 15h. A defesa será totalmente online, pelo Zoom: \
https://us02web.zoom.us/j/81234567890?pwd=Q2x1YXZlU2VjcmV0YQ

Título: "Detecção de Fake News em Português com Transformers Multilíngues"
Banca: eu (orientadora); prof. Diego Almeida Fraga, do Ifes; e profa. Carolina Werneck \
Lage, da UFRJ.

Obrigada,
Raquel
""",
        student="Felipe Gusmão Barros",
        title="Detecção de Fake News em Português com Transformers Multilíngues",
        date=datetime.date(2027, 3, 30),
        time=datetime.time(15, 0),
        room="Virtual",
        link="https://us02web.zoom.us/j/81234567890?pwd=Q2x1YXZlU2VjcmV0YQ",
        members=[
            (ADV, "Raquel Tostes Amorim"),
            (INT, "Diego Almeida Fraga"),
            (EXT, "Carolina Werneck Lage"),
        ],
    ),
    "gmail-table": Voice(
        subject="Solicitação de defesa - Hugo Estevão Marçal",
        from_="Saulo Furtado Rios <saulo.rios@ifes.edu.br>",
        body=GMAIL_TABLE_TEXT,
        html=GMAIL_TABLE_HTML,
        student="Hugo Estevão Marçal",
        title="Computação de Borda para Monitoramento de Qualidade do Ar",
        date=datetime.date(2027, 6, 10),
        time=datetime.time(8, 30),
        room="Sala 210",
        members=[
            (ADV, "Saulo Furtado Rios"),
            (INT, "Aline Coelho Batista"),
            (EXT, "Rui Pestana Moura"),
        ],
    ),
    "prose-campus-vitoria-vale": Voice(
        subject="Agendamento de defesa de mestrado",
        from_="Maurício Resende Aguiar <mauricio.aguiar@ifes.edu.br>",
        body="""Prezados, boa tarde.

Venho solicitar o agendamento da defesa do mestrando Anderson Lopes Trindade, cujo trabalho \
se intitula "Manutenção Preditiva de Correias Transportadoras com Sensores Vibracionais e \
Aprendizado de Máquina". A defesa será no dia 17 de junho, às 14h, na sala 104 do Bloco D. \
A banca será formada por mim, pelo professor Henrique Lyra Coutinho, do IFES Campus \
Vitória, e pelo engenheiro Dr. Otaviano Brum Serafim, da Vale.

At.te,
Maurício
""",
        student="Anderson Lopes Trindade",
        title="Manutenção Preditiva de Correias Transportadoras com Sensores Vibracionais e "
        "Aprendizado de Máquina",
        date=datetime.date(2027, 6, 17),
        time=datetime.time(14, 0),
        room="Sala 104 do Bloco D",
        members=[
            (ADV, "Maurício Resende Aguiar"),
            (INT, "Henrique Lyra Coutinho"),
            (EXT, "Otaviano Brum Serafim"),
        ],
    ),
    "english-student-form-substitute": Voice(
        subject="Defense scheduling request",
        from_="Gabriela Nóbrega Paiva <gabriela.paiva@aluno.ifes.edu.br>",
        body="""Hello,

I am writing to request the scheduling of my master's defense.

Student: Gabriela Nóbrega Paiva
Thesis title: Energy-Aware Task Offloading in Vehicular Edge Networks
Date: April 15, 2027
Time: 10:30 am
Location: Online (Google Meet) - https://meet.google.com/xyz-abcd-efg
Committee:
Advisor: Prof. Dr. Emanuel Rocha Tavares (Ifes)
Co-advisor: Prof. Dr. Jorge Luís Sarmento (Ifes)
Internal member: Prof. Dr. Paulo Sérgio Ventorim (Ifes)
External member: Prof. Dr. Marina Castello Bianchi (Universidade Federal de Viçosa)
Substitute: Prof. Dr. Caio Fraga Lobo (Ifes)

Thank you,
Gabriela
""",
        student="Gabriela Nóbrega Paiva",
        title="Energy-Aware Task Offloading in Vehicular Edge Networks",
        date=datetime.date(2027, 4, 15),
        time=datetime.time(10, 30),
        room="Virtual",
        link="https://meet.google.com/xyz-abcd-efg",
        members=[
            (ADV, "Emanuel Rocha Tavares"),
            (CO, "Jorge Luís Sarmento"),
            (INT, "Paulo Sérgio Ventorim"),
            (EXT, "Marina Castello Bianchi"),
        ],
    ),
    "coordinator-not-member-iff": Voice(
        subject="Agendamento de defesa - Bruna Sayuri Takahashi Lima",
        from_="Fabrício Lemos Guimarães <fabricio.guimaraes@ifes.edu.br>",
        body="""Prezada Juliana,

A pedido do prof. Nelson Câmara Brito, que está em viagem, peço o agendamento da defesa da \
aluna Bruna Sayuri Takahashi Lima.

- Título: Aprendizado Profundo para Segmentação de Lesões de Pele em Imagens Dermatoscópicas
- Data: 03/06/2027
- Horário: 13h
- Local: Sala de Videoconferência do Bloco A
- Banca: Nelson Câmara Brito (orientador/Ifes), Karina Loureiro Mattos (coorientadora/Ifes), \
Fernando de Holanda Prado (Ifes), Letícia Dornelas Quintanilha (IFF)

Obs.: eu não faço parte da banca.

Fabrício
Coordenador do PPComp
""",
        student="Bruna Sayuri Takahashi Lima",
        title="Aprendizado Profundo para Segmentação de Lesões de Pele em Imagens Dermatoscópicas",
        date=datetime.date(2027, 6, 3),
        time=datetime.time(13, 0),
        room="Sala de Videoconferência do Bloco A",
        members=[
            (ADV, "Nelson Câmara Brito"),
            (CO, "Karina Loureiro Mattos"),
            (INT, "Fernando de Holanda Prado"),
            (EXT, "Letícia Dornelas Quintanilha"),
        ],
    ),
    "chatty-student-dia-5-3": Voice(
        subject="defesa!!",
        from_="Iago Monteiro Sodré <iago.sodre@aluno.ifes.edu.br>",
        body="""Oi Juliana! Tudo certo? 😊

Minha defesa ficou marcada pro dia 5/3 às 16h, vai ser na sala 207. O título é \
"Balanceamento de Carga Adaptativo em Redes Definidas por Software".
A banca vai ser o prof. Renato Falqueto Gama (meu orientador), a profa. Viviane Schunk \
Ramos (Ifes) e o prof. Everton Lírio Sossai, da UFES.

Valeu!!
Iago
""",
        student="Iago Monteiro Sodré",
        title="Balanceamento de Carga Adaptativo em Redes Definidas por Software",
        date=datetime.date(2027, 3, 5),
        time=datetime.time(16, 0),
        room="Sala 207",
        members=[
            (ADV, "Renato Falqueto Gama"),
            (INT, "Viviane Schunk Ramos"),
            (EXT, "Everton Lírio Sossai"),
        ],
    ),
    "html-only-table-suplente": Voice(
        subject="Agendamento de defesa",
        from_="Sidney Klein Ferraço <sidney.ferraco@ifes.edu.br>",
        body="",
        html=HTML_ONLY_TABLE,
        html_only=True,
        student="Rafaela Bortolini de Assis",
        title="Uso de Grafos de Conhecimento para Recomendação de Disciplinas",
        date=datetime.date(2027, 5, 14),
        time=datetime.time(9, 30),
        room="Sala 202 do Bloco A",
        members=[
            (ADV, "Sidney Klein Ferraço"),
            (INT, "Tânia Regina Guimarães"),
            (EXT, "Cláudio Abreu Fontana"),
        ],
    ),
    "quando-onde-teams-presidente": Voice(
        subject="Solicitação de agendamento - defesa de mestrado",
        from_="Adriana Penedo Salazar <adriana.salazar@ifes.edu.br>",
        body="""Prezados,

Solicito agendamento da defesa de Mestrado:

Candidato: Pedro Henrique Zanotti Bastos
Trabalho: Verificação Formal de Contratos Inteligentes em Solidity
Quando: quarta-feira, 7 de abril de 2027, às 10h
Onde: Virtual — https://teams.microsoft.com/l/meetup-join/19%3ameeting_ZjQ2@thread.v2/0
Avaliadores:
Adriana Penedo Salazar - Presidente/Orientadora (Ifes)
Ricardo Lemos Pessoa - Ifes
Gilberto Frechiani Neves - Universidade Federal do Espírito Santo (UFES)

Atenciosamente
Adriana
""",
        student="Pedro Henrique Zanotti Bastos",
        title="Verificação Formal de Contratos Inteligentes em Solidity",
        date=datetime.date(2027, 4, 7),
        time=datetime.time(10, 0),
        room="Virtual",
        link="https://teams.microsoft.com/l/meetup-join/19%3ameeting_ZjQ2@thread.v2/0",
        members=[
            (ADV, "Adriana Penedo Salazar"),
            (INT, "Ricardo Lemos Pessoa"),
            (EXT, "Gilberto Frechiani Neves"),
        ],
    ),
    "outlook-reply-new-date": Voice(
        subject="RES: Defesa - Lorena Dalla Bernardina",
        from_="Vitor Hugo Salomão <vitor.salomao@ifes.edu.br>",
        body="""Prezada Juliana,

Precisamos alterar a data da defesa da Lorena: em vez de 10/05, será no dia 12/05/2027, \
mantidos o horário e a sala.

Abraço,
Vitor

________________________________
De: Vitor Hugo Salomão <vitor.salomao@ifes.edu.br>
Enviado: quinta-feira, 21 de janeiro de 2027 11:02
Para: Secretaria PPComp <secretaria.ppcomp@ifes.edu.br>
Assunto: Defesa - Lorena Dalla Bernardina

Prezada Juliana,

Peço o agendamento da defesa de mestrado de Lorena Dalla Bernardina.
Título: Computação Quântica Aplicada à Otimização de Rotas de Veículos
Data: 10/05/2027
Horário: 15h
Local: Sala 305 do Bloco C
Banca: Vitor Hugo Salomão (orientador - Ifes), Cíntia Moraes Lobato (Ifes), Arthur \
Bernardes Vieira (UFOP)

Vitor
""",
        student="Lorena Dalla Bernardina",
        title="Computação Quântica Aplicada à Otimização de Rotas de Veículos",
        date=datetime.date(2027, 5, 12),
        time=datetime.time(15, 0),
        room="Sala 305 do Bloco C",
        members=[
            (ADV, "Vitor Hugo Salomão"),
            (INT, "Cíntia Moraes Lobato"),
            (EXT, "Arthur Bernardes Vieira"),
        ],
    ),
    "date-a-definir-orientando-a": Voice(
        subject="Dados da defesa do Thiago",
        from_="Sandra Moulin Baptista <sandra.baptista@ifes.edu.br>",
        body="""Boa tarde,

Ainda estamos fechando a data, mas já adianto os dados:

Orientando(a): Thiago Kenji Oliveira Matsuda
Título provisório: Detecção de Intrusão em Redes Veiculares com Aprendizado Federado
Data: a definir
Horário: 14h
Sala: 212
Banca: Sandra Moulin Baptista (orientadora), Heitor Cabral de Melo (Ifes), Luíza Amorim \
Perim (Universidade Federal de Viçosa)

Sandra
""",
        student="Thiago Kenji Oliveira Matsuda",
        title="Detecção de Intrusão em Redes Veiculares com Aprendizado Federado",
        date=None,
        missing=["date"],
        time=datetime.time(14, 0),
        room="Sala 212",
        members=[
            (ADV, "Sandra Moulin Baptista"),
            (INT, "Heitor Cabral de Melo"),
            (EXT, "Luíza Amorim Perim"),
        ],
    ),
    "signature-with-phone": Voice(
        subject="Agendamento de defesa",
        from_="Prof. Dr. Gustavo Pimenta Lyra <gustavo.lyra@ifes.edu.br>",
        body="""Prezada secretaria,

Solicito o agendamento da defesa de mestrado do aluno Daniel Kuster Pagotto, com o título \
"Detecção de Quedas de Idosos com Sensores Inerciais e Redes Recorrentes", para 24/06/2027, \
às 14:30h, na sala 201 do Bloco B.

Banca:
Gustavo Pimenta Lyra (Orientador) – Ifes
Marília Zanotelli Rosa (Membro interno) – Ifes
Edgar Zamprogno Vervloet (Membro externo) – UFES

--
Prof. Dr. Gustavo Pimenta Lyra
Coordenadoria de Informática – Ifes Campus Serra
Tel.: (27) 3348-9200 / Ramal 9231
""",
        student="Daniel Kuster Pagotto",
        title="Detecção de Quedas de Idosos com Sensores Inerciais e Redes Recorrentes",
        date=datetime.date(2027, 6, 24),
        time=datetime.time(14, 30),
        room="Sala 201 do Bloco B",
        members=[
            (ADV, "Gustavo Pimenta Lyra"),
            (INT, "Marília Zanotelli Rosa"),
            (EXT, "Edgar Zamprogno Vervloet"),
        ],
    ),
    "presidente-two-digit-year-spanish-external": Voice(
        subject="Banca de defesa - Mestrado PPComp",
        from_="José Roberto dos Santos e Silva <jose.silva@ifes.edu.br>",
        body="""Prezados,

Segue a composição da banca e os dados para a defesa de mestrado.

Discente: Ana Beatriz Lucchesi do Amaral
Título: Modelagem de Tópicos em Documentos Legislativos Brasileiros
Data: 26/05/27
Hora: 9:00
Local: Sala 109 do Bloco B
Banca examinadora:
Presidente: Prof. Dr. José Roberto dos Santos e Silva (Ifes)
Membro interno: Prof. Dr. Fernando Ângelo Rosetti (Ifes)
Membro externo: Profa. Dra. María José Gutiérrez Herrera (Universidad de Granada, Espanha)

Atenciosamente,
José Roberto
""",
        student="Ana Beatriz Lucchesi do Amaral",
        title="Modelagem de Tópicos em Documentos Legislativos Brasileiros",
        date=datetime.date(2027, 5, 26),
        time=datetime.time(9, 0),
        room="Sala 109 do Bloco B",
        members=[
            (ADV, "José Roberto dos Santos e Silva"),
            (INT, "Fernando Ângelo Rosetti"),
            (EXT, "María José Gutiérrez Herrera"),
        ],
    ),
    "reply-sends-promised-link": Voice(
        subject="Re: Defesa - Marcos Vinícius Dalvi Coser",
        from_="Rosângela Bravin de Oliveira <rosangela.oliveira@ifes.edu.br>",
        body="""Juliana, segue o link da sala virtual: https://meet.google.com/pqr-stuv-wxy

Rosângela

Em qua., 27 de jan. de 2027 às 14:02, Rosângela Bravin de Oliveira \
<rosangela.oliveira@ifes.edu.br> escreveu:
> Boa tarde, Juliana.
> Solicito o agendamento da defesa do Marcos Vinícius Dalvi Coser.
> Título: Sistemas de Recomendação Sensíveis ao Contexto para Turismo
> Data: 5 de março
> Horário: 14:30h
> Modalidade: virtual (link a ser enviado)
> Banca: Rosângela Bravin de Oliveira (orientadora, Ifes); Gilson Pereira Tononi (Ifes); \
Roberta Lyra Azevedo (Universidade Federal de Viçosa).
""",
        student="Marcos Vinícius Dalvi Coser",
        title="Sistemas de Recomendação Sensíveis ao Contexto para Turismo",
        date=datetime.date(2027, 3, 5),
        time=datetime.time(14, 30),
        room="Virtual",
        link="https://meet.google.com/pqr-stuv-wxy",
        promised=[],
        members=[
            (ADV, "Rosângela Bravin de Oliveira"),
            (INT, "Gilson Pereira Tononi"),
            (EXT, "Roberta Lyra Azevedo"),
        ],
    ),
}


@pytest.mark.parametrize("voice", VOICES.values(), ids=VOICES.keys())
def test_voice_is_read_as_a_secretary_reads_it(voice):
    assert mismatches(voice) == []
