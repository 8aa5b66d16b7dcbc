# ruff: noqa: E501 - the messages keep their lines as written
"""Defence requests written in prose, in voices the reader was not tuned on first: each
value the reader gives must be the one a secretary reads (defesa.reading, whole)."""

import datetime

import pytest

from defesa import reading

OWN = ["Ifes", "Instituto Federal do Espírito Santo", "PPComp"]

CASES = [
    (
        "Renato Lyra Bastos",
        """Prezada Jaqueline,

venho pedir que seja agendada a defesa do Bruno Salles Coutinho, meu orientando. O título é "Otimização de rotas de coleta de resíduos com algoritmos genéticos". Marcamos para o dia 22 de abril de 2027, às 15h, na sala 108.

Comporão a banca, além de mim como orientador, a professora Helena Vasconcelos Pinto (Ifes) e o professor Marcelo Dutra Santana, da Universidade Federal de Viçosa.

Grato,
Renato""",
        dict(
            student="Bruno Salles Coutinho",
            title="Otimização de rotas de coleta de resíduos com algoritmos genéticos",
            date="2027-04-22",
            time="15:00",
            room="108",
            members={
                ("advisor", "Renato Lyra Bastos"),
                ("internal", "Helena Vasconcelos Pinto"),
                ("external", "Marcelo Dutra Santana"),
            },
        ),
    ),
    (
        "Patrícia Moreno Alves",
        """Olá!

A defesa da minha aluna Carolina Teixeira Brandão ficou para 9/6, terça-feira, 14 horas, no miniauditório. Trabalho: Classificação de sons urbanos com redes convolucionais leves.

Banca: eu presidindo; Prof. Júlio Cesar Nardi (Ifes); Profa. Sandra Medeiros Faria (UFES).

Abs,
Patrícia""",
        dict(
            student="Carolina Teixeira Brandão",
            title="Classificação de sons urbanos com redes convolucionais leves",
            date="2027-06-09",
            time="14:00",
            room="miniauditório",
            members={
                ("advisor", "Patrícia Moreno Alves"),
                ("internal", "Júlio Cesar Nardi"),
                ("external", "Sandra Medeiros Faria"),
            },
        ),
    ),
    (
        "Eduardo Pessoa Lima",
        """Bom dia,

Informo que o mestrando Tiago Almeida Frizera defenderá sua dissertação "Detecção de falhas em rolamentos por análise de vibração" no dia 30/03/2027, às 10h30, de forma remota, pelo link https://meet.google.com/abc-defg-hij.

A banca será formada por mim (orientador), pelo Prof. Dr. Flávio Gomes Rangel (PPComp/Ifes) e pela Profa. Dra. Lívia Nascimento Barros (UFRJ).

Atenciosamente,
Eduardo Pessoa Lima""",
        dict(
            student="Tiago Almeida Frizera",
            title="Detecção de falhas em rolamentos por análise de vibração",
            date="2027-03-30",
            time="10:30",
            room="Virtual",
            members={
                ("advisor", "Eduardo Pessoa Lima"),
                ("internal", "Flávio Gomes Rangel"),
                ("external", "Lívia Nascimento Barros"),
            },
        ),
    ),
    (
        "Marcela Souza Prado",
        """Oi, pessoal,

Segue o pedido de defesa da Juliana Reis Campos: a apresentação será em 5 de julho, às 9 horas, na sala 204 do bloco C. O trabalho tem o título Aprendizado federado para diagnóstico de retinopatia.

Participam da banca: eu, como orientadora; o Prof. Rodrigo Tessarolo, da casa; e a Dra. Ana Beatriz Lorenzoni, da Fiocruz. O Prof. Caio Menezes Paiva, do Ifes, será o coorientador.

Obrigada!
Marcela""",
        dict(
            student="Juliana Reis Campos",
            title="Aprendizado federado para diagnóstico de retinopatia",
            date="2027-07-05",
            time="09:00",
            room="Sala 204 do bloco C",  # the building kept
            members={
                ("advisor", "Marcela Souza Prado"),
                ("internal", "Rodrigo Tessarolo"),
                ("external", "Ana Beatriz Lorenzoni"),
                ("coadvisor", "Caio Menezes Paiva"),
            },
        ),
    ),
    (
        "Anderson Queiroz Lima",
        """Caros,

Gostaria de solicitar o agendamento da defesa pública de dissertação do discente Rafael Nogueira Costa, intitulada "Previsão de vazão em bacias hidrográficas com LSTM", para quinta-feira, 12/08/2027, das 14h às 16h, no Laboratório de Redes (sala 305).

Banca examinadora:
• Prof. Dr. Anderson Queiroz Lima – Ifes (presidente)
• Prof. Dr. Mário Sérgio Freitas – Ifes
• Profa. Dra. Teresa Cunha Matos – Universidade de Lisboa (Portugal)
Suplente: Prof. Dr. Ivo Bragança Luz – Ifes

Atenciosamente,
Anderson""",
        dict(
            student="Rafael Nogueira Costa",
            title="Previsão de vazão em bacias hidrográficas com LSTM",
            date="2027-08-12",
            time="14:00",
            room="305",
            members={
                ("advisor", "Anderson Queiroz Lima"),
                ("internal", "Mário Sérgio Freitas"),
                ("external", "Teresa Cunha Matos"),
            },
        ),
    ),
    (
        "Lucia Helena Prates",
        """Prezados,

Segue solicitação: defesa de mestrado de Gabriela Fontes Amaral, no dia 3 de setembro de 2027 às 8h30, sala 210 – Bloco A.
Título do trabalho: Uso de grafos de conhecimento na recomendação de disciplinas
Orientadora: eu mesma
Coorientador: Prof. Ricardo Sá Pereira (Ifes)
Avaliadores: Prof. Dr. Jorge Luiz Antunes (Ifes) e Profa. Dra. Clara Mendes Rocha (UFSC)

Obrigada,
Lúcia Helena Prates
Coordenadora do Laboratório de Sistemas Inteligentes""",
        dict(
            student="Gabriela Fontes Amaral",
            title="Uso de grafos de conhecimento na recomendação de disciplinas",
            date="2027-09-03",
            time="08:30",
            room="Sala 210 – Bloco A",
            members={
                # the name as she signs it, accent included (the header has none)
                ("advisor", "Lúcia Helena Prates"),
                ("coadvisor", "Ricardo Sá Pereira"),
                ("internal", "Jorge Luiz Antunes"),
                ("external", "Clara Mendes Rocha"),
            },
        ),
    ),
    (
        "John Carter",
        """Dear PPComp secretariat,

I am co-supervising the master's student Felipe Andrade Guimarães, whose defence is scheduled for 20 October 2027 at 10:00 (Brasília time), online. His thesis is entitled "Graph neural networks for power grid fault localisation". The committee: Prof. Silvia Rocha Menezes (supervisor, Ifes), myself (co-supervisor, University of Bristol), Prof. Paulo Vinícius Salles (Ifes) and Prof. Hugo Bastos Arruda (UFMG).

Best wishes,
John Carter""",
        dict(
            student="Felipe Andrade Guimarães",
            title="Graph neural networks for power grid fault localisation",
            date="2027-10-20",
            time="10:00",
            room="Virtual",
            members={
                ("advisor", "Silvia Rocha Menezes"),
                ("coadvisor", "John Carter"),
                ("internal", "Paulo Vinícius Salles"),
                ("external", "Hugo Bastos Arruda"),
            },
        ),
    ),
    (
        "Fernanda Lopes Vieira",
        """Bom dia!

Preciso marcar a defesa do Otávio. Dados:
Otávio Bremenkamp Silva — "Segmentação de tumores cerebrais em ressonância magnética com U-Net"
Quando: 14/10/2027, 13h
Onde: sala 102
Banca: Fernanda Lopes Vieira (orientadora), Leandro Pimenta Roque (Ifes), Beatriz Dantas Moura (UERJ)

Fernanda""",
        dict(
            student="Otávio Bremenkamp Silva",
            title="Segmentação de tumores cerebrais em ressonância magnética com U-Net",
            date="2027-10-14",
            time="13:00",
            room="102",
            members={
                ("advisor", "Fernanda Lopes Vieira"),
                ("internal", "Leandro Pimenta Roque"),
                ("external", "Beatriz Dantas Moura"),
            },
        ),
    ),
    (
        "Roberta Guimarães Paiva",
        """Boa tarde, Sônia.

Confirmo a defesa da Letícia para o dia 5/11, às 14h00min, na Sala 3 do prédio administrativo. Segue o que falta para o cadastro:
- Aluna: Letícia Zanotti Ramos
- Dissertação: "Modelos de tópicos para análise de ouvidorias públicas"
- Membros externos: Dr. Caetano Velloso Reis (UFOP); Dra. Marina Siqueira Lage (Embrapa)
- Membro interno: Prof. Dr. Heitor Vaz Coelho

Eu sou a orientadora.
Roberta""",
        dict(
            student="Letícia Zanotti Ramos",
            title="Modelos de tópicos para análise de ouvidorias públicas",
            date="2027-11-05",
            time="14:00",
            room="Sala 3 do prédio administrativo",
            members={
                ("advisor", "Roberta Guimarães Paiva"),
                ("internal", "Heitor Vaz Coelho"),
                ("external", "Caetano Velloso Reis"),
                ("external", "Marina Siqueira Lage"),
            },
        ),
    ),
    (
        "Gilberto Sarmento Neves",
        """Sra. Secretária,

Comunico que a sessão pública de defesa de dissertação de mestrado de VINÍCIUS DE OLIVEIRA PRATA, com o título APRENDIZADO POR REFORÇO PARA CONTROLE DE SEMÁFOROS, será realizada em 28 de abril de 2027, às 10 horas, no Auditório Principal do Campus Serra.

Comissão examinadora: Gilberto Sarmento Neves (presidente – Ifes); Adriano Pessoa Lobo (Ifes); Carla Weber Amaral (UnB).

Cordialmente,
Gilberto Sarmento Neves""",
        dict(
            student="VINÍCIUS DE OLIVEIRA PRATA",
            title="APRENDIZADO POR REFORÇO PARA CONTROLE DE SEMÁFOROS",
            date="2027-04-28",
            time="10:00",
            room="Auditório Principal do Campus Serra",
            members={
                ("advisor", "Gilberto Sarmento Neves"),
                ("internal", "Adriano Pessoa Lobo"),
                ("external", "Carla Weber Amaral"),
            },
        ),
    ),
    (
        "Tânia Mello Ferraz",
        """Olá pessoal da secretaria

a Bianca (Bianca Loureiro Tesch) defende no dia 19 de maio de 2027 as 15:30 por videoconferência (link: https://teams.microsoft.com/l/meetup-join/abc). O titulo da dissertação é Reconhecimento de entidades nomeadas em textos jurídicos. A banca vai ser eu (orientadora), o Prof Sandro Ribeiro Vidal daqui do Ifes e a Profa Júlia Batista Nunes da UFF.

bjs
Tânia""",
        dict(
            student="Bianca Loureiro Tesch",
            title="Reconhecimento de entidades nomeadas em textos jurídicos",
            date="2027-05-19",
            time="15:30",
            room="Virtual",
            members={
                ("advisor", "Tânia Mello Ferraz"),
                ("internal", "Sandro Ribeiro Vidal"),
                ("external", "Júlia Batista Nunes"),
            },
        ),
    ),
]


@pytest.mark.parametrize(("writer", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_request_in_prose(writer, text, expected):
    data = reading.read_defense(
        body_text=text, writer=writer, own_institutions=OWN, reference=datetime.date(2027, 2, 1)
    ).data
    assert data.student == expected["student"]
    assert data.title == expected["title"]
    assert data.date.isoformat() == expected["date"]
    assert data.time.strftime("%H:%M") == expected["time"]
    assert data.room.casefold() == expected["room"].casefold()
    assert {(m.role, m.name) for m in data.members} == expected["members"]


APPLE_FORWARD = """Secretaria, favor providenciar.

Início da mensagem encaminhada:

> De: Denise Paixão Rocha <denise.rocha@ifes.edu.br>
> Assunto: Defesa - Rui
> Data: 28 de janeiro de 2027 às 16:02:11 BRT
> Para: Coordenação PPComp <coord.ppcomp@ifes.edu.br>
>
> Fabrício,
>
> o Rui Martins Sepulcri defende em 18 de março (quinta), às 14h, na sala 301. O trabalho se chama “Roteirização de frotas elétricas com restrições de recarga”.
> Participarão da banca, além de mim, o Prof. Lauro Bicalho Neto (Ifes) e a Profa. Yara Antunes Dias (UFES).
>
> Denise
"""
ENGLISH = """Dear Secretariat,

My student Laura Fiorot Bastos, whom I co-supervise with Prof. Cristina Lyra Dutra, will defend her thesis "Anomaly detection in smart meter data with transformers" on April 9, 2027 at 11 am (Brasília time) in room 207. The examining committee will consist of Prof. Cristina Lyra Dutra (main advisor, Ifes), myself as co-advisor, Prof. Nelson Ramos Filho (Ifes) and Prof. Aline Vargas Souto (UFMG).

Kind regards,
Martin Gruber"""
HTML_LIST = """<div>Olá,</div><div><br></div><div>A defesa do <b>Caio Rezende Moulin</b> será em <b>2 de fevereiro de 2028</b>, às <b>16h</b>, de forma <b>virtual</b> (<a href="https://meet.google.com/xyz-abcd-efg">link</a>).</div><div>Título: <i>Compressão de modelos de linguagem para dispositivos embarcados</i></div><div><br></div><div>Banca:</div><ul><li>Prof. Otto Ferreira Kuster (orientador)</li><li>Profa. Regina Lopes Cardoso (Ifes)</li><li>Prof. Sílvio Amaral Bento (Unicamp)</li></ul><div>Abraços,</div><div>Otto</div>"""


@pytest.mark.parametrize(
    ("sender", "subject", "body", "html", "expected"),
    [
        (
            "Coordenação PPComp <coord.ppcomp@ifes.edu.br>",
            "Fwd: Defesa - Rui",
            APPLE_FORWARD,
            "",
            {
                "student": "Rui Martins Sepulcri",
                "date": "2027-03-18",
                "room": "301",
                "link": "",
                "members": {
                    ("advisor", "Denise Paixão Rocha"),
                    ("internal", "Lauro Bicalho Neto"),
                    ("external", "Yara Antunes Dias"),
                },
            },
        ),
        (
            "Martin Gruber <m.gruber@tuwien.ac.at>",
            "Master defence - Laura Fiorot",
            ENGLISH,
            "",
            {
                "student": "Laura Fiorot Bastos",
                "date": "2027-04-09",
                "room": "207",
                "link": "",
                "members": {
                    ("advisor", "Cristina Lyra Dutra"),
                    ("coadvisor", "Martin Gruber"),
                    ("internal", "Nelson Ramos Filho"),
                    ("external", "Aline Vargas Souto"),
                },
            },
        ),
        (
            "Otto Ferreira Kuster <otto.kuster@ifes.edu.br>",
            "Defesa do Caio",
            "",
            HTML_LIST,
            {
                "student": "Caio Rezende Moulin",
                "date": "2028-02-02",
                "room": "Virtual",
                "link": "https://meet.google.com/xyz-abcd-efg",
                "members": {
                    ("advisor", "Otto Ferreira Kuster"),
                    ("internal", "Regina Lopes Cardoso"),
                    ("external", "Sílvio Amaral Bento"),
                },
            },
        ),
    ],
    ids=["apple-mail-forward", "english", "html-only"],
)
def test_a_request_as_it_arrives(sender, subject, body, html, expected):
    from emails.parsing import parse_email
    from testing.mail import make_raw

    parsed = parse_email(make_raw(subject=subject, body=body, from_=sender, html=html or None))
    data = reading.read_defense(
        body_text=parsed.body_text,
        body_html=parsed.body_html,
        writer=(parsed.original_from_name if parsed.forwarded else "") or parsed.from_name,
        forwarded=parsed.forwarded,
        subject=parsed.subject,
        own_institutions=OWN,
        reference=datetime.date(2027, 2, 1),
    ).data
    assert data.student == expected["student"]
    assert data.date.isoformat() == expected["date"]
    assert (data.room, data.link) == (expected["room"], expected["link"])
    assert {(m.role, m.name) for m in data.members} == expected["members"]
