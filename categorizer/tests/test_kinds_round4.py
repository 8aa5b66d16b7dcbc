"""Round 4 of kind voices, written before reading the classifier's code or data: forty
emails as the secretariat receives them (long ones with several matters, thread replies,
forwards inline and as attachments, HTML-only, English, a few lines from a phone) and the
look-alikes that matter most: an "outro" full of login/senha/laboratório or banca/defesa
words, and requests whose subject says nothing.

Each email is ingested and run through the pipeline with a model trained on the shipped
data. Three things are counted separately: the kind is right; nothing is confidently
sent to the wrong kind (a request never confidently to "outro", which is never answered);
and how many wait for a person's review (at most a tenth, the issue's target)."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from emails import services as email_services
from emails.models import Email
from pipeline import steps
from testing.mail import make_raw

pytestmark = pytest.mark.django_db

SECRETARIA = "Secretaria PPComp <secretaria.ppcomp@ifes.edu.br>"


def _message(*, subject: str, from_: str, body: str, to: str = SECRETARIA) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = from_
    msg["To"] = to
    msg["Date"] = "Tue, 15 Apr 2025 09:41:00 -0300"
    msg.set_content(body)
    return msg


def _html_only(*, subject: str, from_: str, html: str) -> bytes:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = from_
    msg["To"] = SECRETARIA
    msg["Date"] = "Wed, 16 Apr 2025 16:02:00 -0300"
    msg["Message-ID"] = f"<html-{abs(hash(subject))}@mail.example.org>"
    msg.set_content(html, subtype="html")
    return msg.as_bytes()


def _forward_attached(*, subject: str, from_: str, body: str, inner: EmailMessage) -> bytes:
    outer = EmailMessage()
    outer["Subject"] = subject
    outer["From"] = from_
    outer["To"] = SECRETARIA
    outer["Date"] = "Thu, 17 Apr 2025 11:15:00 -0300"
    outer["Message-ID"] = f"<fwd-{abs(hash(subject))}@ifes.edu.br>"
    outer.set_content(body)
    outer.add_attachment(inner)
    return outer.as_bytes()


def _reply(**kwargs) -> bytes:
    headers = {"In-Reply-To": "<CAd8x2kq0001@mail.gmail.com>"}
    return make_raw(headers=headers, **kwargs)


PDF = b"%PDF-1.4\n% documento\n"

CASES: dict[str, tuple[str, bytes]] = {
    # ------------------------------------------------------------------ defesa (12)
    "defesa-subject-documentos": (
        "defesa",
        make_raw(
            subject="Documentos",
            from_="Heitor Vasconcelos <heitor.vasconcelos@aluno.ifes.edu.br>",
            body=(
                "Boa tarde, Secretaria.\n\n"
                "Seguem em anexo a versão da dissertação para a banca e o formulário de "
                "composição da banca assinado pelo meu orientador, Prof. Gilberto Amaral.\n"
                "Gostaríamos de realizar a apresentação no dia 14 de agosto, às 14h, na sala "
                "205 do bloco da pós. Membros: Prof. Gilberto Amaral (orientador, Ifes), "
                "Profa. Cíntia Barros (Ifes) e Prof. Osvaldo Lacerda (UFES, externo).\n\n"
                "Título: Detecção de anomalias em redes elétricas inteligentes com "
                "autoencoders variacionais.\n\nAtt.,\nHeitor Vasconcelos"
            ),
            attachments=[
                ("dissertacao_heitor_v3.pdf", "application/pdf", PDF),
                ("formulario_banca_assinado.pdf", "application/pdf", PDF),
            ],
        ),
    ),
    "defesa-subject-pedido-professor": (
        "defesa",
        make_raw(
            subject="Pedido",
            from_="Prof. Ricardo Tavares <ricardo.tavares@ifes.edu.br>",
            body=(
                "Prezada Jussara,\n\npeço, por gentileza, que seja agendada a banca final "
                "do meu orientando Caio Menezes Rocha. Proposta: 29/09/2025, 9h, formato "
                "híbrido (auditório + Google Meet).\n"
                "Banca: eu (presidente), Profa. Débora Lins (Ifes) e Prof. Anselmo Quirino "
                '(UFRJ). O trabalho se chama "Escalonamento de tarefas em nuvem com '
                'aprendizado por reforço".\n\nObrigado,\nRicardo'
            ),
        ),
    ),
    "defesa-reschedule-reply": (
        "defesa",
        _reply(
            subject="Re: Agendamento de defesa - Lucas Prado",
            from_="Lucas Prado <lucas.prado@aluno.ifes.edu.br>",
            body=(
                "Olá,\n\no membro externo (Prof. Tadeu Farias) teve um imprevisto e não "
                "poderá no dia 10. Podemos mudar para 22/09, segunda-feira, às 9h, mesma "
                "sala? Os outros membros já confirmaram a nova data.\n\nLucas\n\n"
                "Em seg., 1 de set. de 2025 às 10:12, Secretaria PPComp escreveu:\n"
                "> Prezado Lucas, sua defesa foi agendada para 10/09 às 14h na sala 110.\n"
                "> Atenciosamente, Secretaria do PPComp"
            ),
        ),
    ),
    "defesa-english-cosupervisor": (
        "defesa",
        make_raw(
            subject="Master's defense - Ana Beatriz Freitas",
            from_="Dr. Martin Holloway <m.holloway@tu-example.de>",
            body=(
                "Dear PPComp secretariat,\n\nas co-supervisor of Ana Beatriz Freitas, I am "
                "writing to ask you to schedule her master's thesis defense. We propose "
                "October 3rd, 2025, at 2 pm Brasília time, online via Google Meet, since I "
                "will join from Germany.\n\nCommittee: Prof. Sérgio Moura (supervisor, "
                "Ifes), myself (TU Example), and Prof. Lívia Antunes (Ifes).\n"
                "Thesis title: Federated learning for medical image segmentation under "
                "non-IID data.\n\nBest regards,\nMartin Holloway"
            ),
        ),
    ),
    "defesa-phone-no-subject": (
        "defesa",
        make_raw(
            subject="",
            from_="Jéssica Paiva <jessicapaiva93@gmail.com>",
            body=(
                "boa tarde! consegue marcar minha defesa p dia 10/12 as 14h? banca prof "
                "rui, profa tania e o prof fabio de fora (ufes). orientador ja ta ciente\n\n"
                "Enviado do meu iPhone"
            ),
        ),
    ),
    "defesa-html-only-table": (
        "defesa",
        _html_only(
            subject="Solicitação - banca de mestrado",
            from_="Profa. Mirela Castro <mirela.castro@ifes.edu.br>",
            html=(
                "<html><body><p>Prezados,</p><p>Solicito o agendamento da defesa de "
                "dissertação conforme dados abaixo:</p><table border='1'>"
                "<tr><td>Discente</td><td>Paulo Henrique Saldanha</td></tr>"
                "<tr><td>Título</td><td>Recomendação de rotas urbanas com grafos "
                "temporais</td></tr><tr><td>Data</td><td>17/11/2025</td></tr>"
                "<tr><td>Horário</td><td>15h</td></tr><tr><td>Local</td><td>Sala de "
                "videoconferência</td></tr><tr><td>Banca</td><td>Profa. Mirela Castro "
                "(orientadora); Prof. Jonas Bittencourt (Ifes); Profa. Helena Quintão "
                "(UFMG)</td></tr></table><p>Att.,<br>Mirela</p></body></html>"
            ),
        ),
    ),
    "defesa-forward-inline": (
        "defesa",
        make_raw(
            subject="Fwd: solicitação",
            from_="Coordenação PPComp <coordenacao.ppcomp@ifes.edu.br>",
            body=(
                "Jussara, encaminho para providências.\n\n"
                "---------- Forwarded message ---------\n"
                "De: Vinícius Amorim <vinicius.amorim@aluno.ifes.edu.br>\n"
                "Date: sex., 5 de set. de 2025\nSubject: solicitação\n"
                "To: coordenacao.ppcomp@ifes.edu.br\n\n"
                "Prezado coordenador, venho solicitar a marcação da minha defesa de "
                "mestrado para o dia 02/10/2025 às 10h. A banca será composta pela Profa. "
                "Regina Alcântara (orientadora), Prof. Emanuel Dutra e Prof. Nilo Pacheco "
                "(IFBA). Título: Verificação formal de contratos inteligentes.\n"
                "Atenciosamente, Vinícius"
            ),
        ),
    ),
    "defesa-forward-attached": (
        "defesa",
        _forward_attached(
            subject="Fwd: Marcação da defesa",
            from_="Prof. Wagner Siqueira <wagner.siqueira@ifes.edu.br>",
            body="Segue o pedido do meu aluno, pode dar andamento? Concordo com a data.\nWagner",
            inner=_message(
                subject="Marcação da defesa",
                from_="Diego Fontoura <diego.fontoura@aluno.ifes.edu.br>",
                to="Wagner Siqueira <wagner.siqueira@ifes.edu.br>",
                body=(
                    "Professor, conforme conversamos, a ideia é defender dia 21/10 às "
                    "14h. Banca: o senhor, a Profa. Lúcia Gama e o Prof. Armando Seixas "
                    "(UFES). Título provisório: Compressão de modelos de linguagem para "
                    "dispositivos embarcados. Pode encaminhar à secretaria?\nDiego"
                ),
            ),
        ),
    ),
    "defesa-long-several-matters": (
        "defesa",
        make_raw(
            subject="Algumas questões",
            from_="Fernanda Quaresma <fernanda.quaresma@aluno.ifes.edu.br>",
            body=(
                "Bom dia, Jussara, tudo bem?\n\n"
                "Tenho três assuntos:\n\n"
                "1) Minha bolsa Fapes termina em outubro. Preciso de alguma declaração da "
                "secretaria para o relatório final?\n\n"
                "2) O certificado da disciplina de Tópicos Especiais ainda não aparece no "
                "meu histórico.\n\n"
                "3) Meu orientador (Prof. Baltazar Neves) e eu fechamos a data da defesa: "
                "30/09 às 14h, presencial. A banca terá a Profa. Iara Coutinho (Ifes) e o "
                'Prof. Celso Marinho (UFES). O título é "Segmentação de nuvens de pontos '
                'LiDAR para inventário florestal". Podem agendar e reservar a sala?\n\n'
                "Obrigada!\nFernanda"
            ),
        ),
    ),
    "defesa-banca-reserva-auditorio": (
        "defesa",
        make_raw(
            subject="Banca de mestrado - Renata Lopes",
            from_="Renata Lopes <renata.lopes@aluno.ifes.edu.br>",
            body=(
                "Prezada secretaria,\n\nsolicito a reserva do auditório e a divulgação da "
                "minha banca de mestrado, prevista para 12/11/2025 às 13h30. Orientador: "
                "Prof. Igor Sant'Anna. Membros: Profa. Patrícia Valadares (Ifes) e Prof. "
                "Rômulo Cerqueira (UFSC, por videoconferência). Título: Análise de "
                "sentimentos em avaliações de aplicativos em português.\n\nRenata"
            ),
        ),
    ),
    "defesa-reply-missing-data": (
        "defesa",
        _reply(
            subject="Re: Formulário de defesa",
            from_="Otávio Bragança <otavio.braganca@aluno.ifes.edu.br>",
            body=(
                'Segue o título corrigido: "Localização indoor com Wi-Fi RTT e filtros de '
                'partículas". O nome completo do membro externo é Dr. Hamilton Reis '
                "Carvalho, da UFES. A data fica mantida, 05/11 às 15h.\n\nOtávio\n\n"
                "> Otávio, para concluir o agendamento precisamos do título final e do nome "
                "completo do membro externo.\n> Secretaria PPComp"
            ),
        ),
    ),
    "defesa-professor-tentative-dates": (
        "defesa",
        make_raw(
            subject="Defesa do Matheus",
            from_="Profa. Simone Aragão <simone.aragao@ifes.edu.br>",
            body=(
                "Oi, Jussara! Quero agendar a defesa do meu orientando Matheus Lacerda. "
                "Ainda estamos fechando com o externo, mas as datas possíveis são 20 ou "
                "21/10 de manhã. Banca: eu, Prof. Alexandre Peixoto e Prof. Danilo Couto "
                "(UFV). Te confirmo o dia até sexta. Bjs, Simone"
            ),
        ),
    ),
    # ------------------------------------------------------------------ acesso (12)
    "acesso-hidden-among-questions": (
        "acesso",
        make_raw(
            subject="Dúvidas do início do semestre",
            from_="Gustavo Lemos <gustavo.lemos@aluno.ifes.edu.br>",
            body=(
                "Olá, boa tarde!\n\n"
                "Sou aluno novo do mestrado e estou com algumas dúvidas:\n"
                "- Onde retiro o atestado de matrícula para a empresa onde trabalho?\n"
                "- A disciplina de Aprendizado de Máquina vai ser às terças mesmo?\n"
                "- Aproveitando, ainda não tenho usuário nos computadores do laboratório de "
                "pesquisa. Meu orientador pediu para eu solicitar aqui. Podem criar?\n"
                "- Existe carteirinha de estudante para a pós?\n\n"
                "Obrigado,\nGustavo Lemos"
            ),
        ),
    ),
    "acesso-english": (
        "acesso",
        make_raw(
            subject="Lab computers",
            from_="Kwame Asante <kwame.asante@aluno.ifes.edu.br>",
            body=(
                "Hello,\n\nI am a new international master's student at PPComp (supervised "
                "by Prof. Leandro Bastos). Could you please create a user account for me on "
                "the computers of the research lab? I need to run my experiments there.\n\n"
                "Thank you very much,\nKwame Asante"
            ),
        ),
    ),
    "acesso-phone-terse": (
        "acesso",
        make_raw(
            subject="acesso pcs",
            from_="Bruno Tomazini <brunotomazini@hotmail.com>",
            body=(
                "preciso de acesso aos pcs do lab pra rodar meus experimentos. matricula "
                "20251MPCOMP0012\n\nEnviado do meu Galaxy"
            ),
        ),
    ),
    "acesso-professor-for-student": (
        "acesso",
        make_raw(
            subject="Conta para orientanda",
            from_="Prof. Leandro Bastos <leandro.bastos@ifes.edu.br>",
            body=(
                "Prezada secretaria, solicito a criação de conta nas máquinas do "
                "laboratório para minha orientanda Yasmin Ferraz "
                "(yasmin.ferraz@aluno.ifes.edu.br), que ingressou neste semestre.\n"
                "Grato, Leandro"
            ),
        ),
    ),
    "acesso-html-only": (
        "acesso",
        _html_only(
            subject="Cadastro no laboratório",
            from_="Larissa Monteiro <larissa.monteiro@aluno.ifes.edu.br>",
            html=(
                "<div dir='ltr'><p>Boa tarde!</p><p>Gostaria de fazer meu <b>cadastro</b> "
                "para usar os computadores do laboratório da pós-graduação. Sou da turma "
                "2025/2, orientada pela Profa. Mirela Castro.</p><p>Fico no aguardo,<br>"
                "Larissa Monteiro</p></div>"
            ),
        ),
    ),
    "acesso-forward-inline": (
        "acesso",
        make_raw(
            subject="Fwd: login",
            from_="Profa. Débora Lins <debora.lins@ifes.edu.br>",
            body=(
                "Bom dia, encaminho o pedido do meu aluno.\n\n"
                "---------- Mensagem encaminhada ----------\n"
                "De: Renan Oliveira <renan.oliveira@aluno.ifes.edu.br>\n"
                "Data: 14 de abr. de 2025\nAssunto: login\n\n"
                "Professora, a senhora pode pedir para a secretaria liberar um login pra "
                "mim nos computadores do laboratório? Preciso usar o MATLAB de lá.\n"
                "Renan"
            ),
        ),
    ),
    "acesso-forward-attached": (
        "acesso",
        _forward_attached(
            subject="Fwd: Usuário no laboratório",
            from_="Prof. Emanuel Dutra <emanuel.dutra@ifes.edu.br>",
            body="Encaminho o pedido abaixo. Por favor, providenciem.\nEmanuel",
            inner=_message(
                subject="Usuário no laboratório",
                from_="Clara Nepomuceno <clara.nepomuceno@aluno.ifes.edu.br>",
                to="Emanuel Dutra <emanuel.dutra@ifes.edu.br>",
                body=(
                    "Professor, ainda não tenho usuário e senha para as máquinas do "
                    "laboratório. Poderia solicitar à secretaria em meu nome? Sou aluna "
                    "regular desde março.\nClara"
                ),
            ),
        ),
    ),
    "acesso-reply-with-data": (
        "acesso",
        _reply(
            subject="Re: Acesso ao laboratório",
            from_="Thiago Barcelos <thiago.barcelos@aluno.ifes.edu.br>",
            body=(
                "Boa tarde, segue o que foi pedido para criar minha conta no laboratório:\n"
                "Nome: Thiago Barcelos Ramos\nMatrícula: 20252MPCOMP0007\n"
                "Orientador: Prof. Igor Sant'Anna\n\nObrigado!\n\n"
                "> Thiago, para criarmos sua conta nos computadores precisamos do nome "
                "completo, matrícula e orientador.\n> Secretaria PPComp"
            ),
        ),
    ),
    "acesso-reactivate-expired": (
        "acesso",
        make_raw(
            subject="Minha conta do laboratório",
            from_="Priscila Andrade <priscila.andrade@aluno.ifes.edu.br>",
            body=(
                "Olá! Desde a virada do semestre meu usuário nos computadores do "
                "laboratório não entra mais, diz que a conta expirou. Ainda estou "
                "matriculada (prorroguei o prazo). Podem reativar, por favor?\nPriscila"
            ),
        ),
    ),
    "acesso-subject-pedido": (
        "acesso",
        make_raw(
            subject="Pedido",
            from_="Samuel Guedes <samuel.guedes@aluno.ifes.edu.br>",
            body=(
                "Prezados, venho por meio deste solicitar login e senha para utilizar as "
                "máquinas do laboratório 3 da pós-graduação. Sou aluno do PPComp, turma "
                "2025/1.\nAtenciosamente,\nSamuel Guedes"
            ),
        ),
    ),
    "acesso-gpu-machines": (
        "acesso",
        make_raw(
            subject="Máquinas com GPU",
            from_="Aline Tristão <aline.tristao@aluno.ifes.edu.br>",
            body=(
                "Oi! Meu orientador disse que os alunos do mestrado podem usar as máquinas "
                "com GPU do laboratório para treinar redes neurais. Como eu ainda não tenho "
                "acesso, gostaria de pedir uma conta. Meu notebook não dá conta dos "
                "treinamentos.\nAline"
            ),
        ),
    ),
    "acesso-how-do-i-get": (
        "acesso",
        make_raw(
            subject="Dúvida",
            from_="Rodrigo Espíndula <rodrigo.espindula@aluno.ifes.edu.br>",
            body=(
                "Bom dia. Ingressei como aluno regular em 2025/2. Como faço para obter "
                "acesso aos computadores do laboratório? Preciso preencher algum "
                "formulário? Já posso mandar meus dados por aqui: Rodrigo Espíndula "
                "Pires, matrícula 20252MPCOMP0015."
            ),
        ),
    ),
    # ------------------------------------------------------------------ outro (16)
    "outro-eduroam": (
        "outro",
        make_raw(
            subject="Internet sem fio",
            from_="Natália Cruz <natalia.cruz@aluno.ifes.edu.br>",
            body=(
                "Oi, meu notebook não conecta no eduroam aqui no prédio da pós. Coloco "
                "meu login e senha do Ifes e dá erro de autenticação. Com quem falo?"
            ),
        ),
    ),
    "outro-vpn": (
        "outro",
        make_raw(
            subject="Acesso remoto",
            from_="Eduardo Pimentel <eduardo.pimentel@aluno.ifes.edu.br>",
            body=(
                "Bom dia, como configuro a VPN do Ifes para acessar os periódicos da Capes "
                "de casa? O tutorial do site pede um certificado que não encontro."
            ),
        ),
    ),
    "outro-suap-password": (
        "outro",
        make_raw(
            subject="Senha do SUAP",
            from_="Marcela Duarte <marcela.duarte@aluno.ifes.edu.br>",
            body=(
                "Esqueci minha senha do SUAP e o e-mail de recuperação vai para um "
                "endereço antigo. Preciso emitir o boletim. A secretaria consegue "
                "resetar ou tenho que ir à CTI?"
            ),
        ),
    ),
    "outro-moodle": (
        "outro",
        make_raw(
            subject="Moodle da disciplina",
            from_="Henrique Sá <henrique.sa@aluno.ifes.edu.br>",
            body=(
                "Boa tarde, não estou inscrito na sala do Moodle de Engenharia de "
                "Software Experimental e não consigo acessar o material. O professor "
                "disse para falar com a secretaria."
            ),
        ),
    ),
    "outro-library": (
        "outro",
        make_raw(
            subject="Biblioteca",
            from_="Juliana Moraes <juliana.moraes@aluno.ifes.edu.br>",
            body=(
                "Olá, tentei pegar um livro emprestado na biblioteca do campus e disseram "
                "que meu cadastro não está ativo. Vocês precisam enviar alguma lista de "
                "alunos da pós para a biblioteca liberar meu acesso?"
            ),
        ),
    ),
    "outro-printer": (
        "outro",
        make_raw(
            subject="impressora lab",
            from_="Fábio Reis <fabio.reis@aluno.ifes.edu.br>",
            body=(
                "a impressora do laboratório da pós tá pedindo senha pra imprimir, "
                "alguém sabe qual é? preciso imprimir um artigo hoje\n\nEnviado do celular"
            ),
        ),
    ),
    "outro-room-key": (
        "outro",
        make_raw(
            subject="Chave do laboratório",
            from_="Prof. Alexandre Peixoto <alexandre.peixoto@ifes.edu.br>",
            body=(
                "Jussara, meus alunos vão precisar entrar no laboratório 205 no sábado "
                "para terminar um experimento. Quem fica com a chave no fim de semana? "
                "Eles podem retirar na portaria?"
            ),
        ),
    ),
    "outro-password-works-now": (
        "outro",
        _reply(
            subject="Re: Acesso ao laboratório",
            from_="Yasmin Ferraz <yasmin.ferraz@aluno.ifes.edu.br>",
            body=(
                "Consegui entrar agora! A senha funcionou, troquei no primeiro acesso "
                "como vocês explicaram. Muito obrigada!\n\n"
                "> Yasmin, sua conta nos computadores do laboratório foi criada. Usuário: "
                "yasmin.ferraz\n> Secretaria PPComp"
            ),
        ),
    ),
    "outro-account-removal": (
        "outro",
        make_raw(
            subject="Desligamento",
            from_="Ronaldo Figueira <ronaldo.figueira@aluno.ifes.edu.br>",
            body=(
                "Prezados, pedi desligamento do mestrado por motivos profissionais. Podem "
                "desativar minha conta nos computadores do laboratório e me dizer se há "
                "algo a devolver? Agradeço pelo apoio nesses meses.\nRonaldo"
            ),
        ),
    ),
    "outro-qualification-exam": (
        "outro",
        make_raw(
            subject="Exame de qualificação",
            from_="Tatiane Coelho <tatiane.coelho@aluno.ifes.edu.br>",
            body=(
                "Boa tarde! Gostaria de agendar meu exame de qualificação para 18/06 às "
                "10h. A banca da qualificação será o meu orientador, Prof. Jonas "
                "Bittencourt, e a Profa. Cíntia Barros. Preciso enviar o texto com quanto "
                "tempo de antecedência?\nTatiane"
            ),
        ),
    ),
    "outro-invitation-watch-defence": (
        "outro",
        make_raw(
            subject="Convite: defesa de mestrado - Paulo Henrique Saldanha",
            from_="Divulgação PPComp <divulgacao.ppcomp@ifes.edu.br>",
            to="alunos.ppcomp@ifes.edu.br",
            body=(
                "O Programa de Pós-Graduação em Computação Aplicada convida a comunidade "
                "para a defesa de dissertação de Paulo Henrique Saldanha, intitulada "
                '"Recomendação de rotas urbanas com grafos temporais".\n'
                "Data: 17/11/2025, 15h. Local: sala de videoconferência.\n"
                "Banca: Profa. Mirela Castro, Prof. Jonas Bittencourt, Profa. Helena "
                "Quintão. Entrada franca."
            ),
        ),
    ),
    "outro-ata-after-defence": (
        "outro",
        make_raw(
            subject="Ata assinada",
            from_="Prof. Igor Sant'Anna <igor.santanna@ifes.edu.br>",
            body=(
                "Jussara, segue a ata da defesa da Renata realizada ontem, assinada por "
                "todos os membros da banca. Ela foi aprovada com correções; o prazo para a "
                "versão final é de 60 dias.\nIgor"
            ),
            attachments=[("ata_defesa_renata.pdf", "application/pdf", PDF)],
        ),
    ),
    "outro-defence-rules-question": (
        "outro",
        make_raw(
            subject="Dúvida sobre o regulamento",
            from_="Leonardo Paixão <leonardo.paixao@aluno.ifes.edu.br>",
            body=(
                "Olá! Ainda estou no primeiro ano, mas queria entender o regulamento: a "
                "banca de defesa precisa obrigatoriamente de um membro externo ao Ifes? E "
                "qual é o prazo mínimo entre entregar o texto e defender?"
            ),
        ),
    ),
    "outro-thesis-deposit": (
        "outro",
        make_raw(
            subject="Versão final e depósito",
            from_="Heitor Vasconcelos <heitor.vasconcelos@aluno.ifes.edu.br>",
            body=(
                "Boa tarde, já defendi em agosto e fiz as correções pedidas pela banca. "
                "Como faço o depósito da versão final da dissertação no repositório "
                "institucional? Preciso da ficha catalográfica da biblioteca antes?"
            ),
        ),
    ),
    "outro-english-cfp-html": (
        "outro",
        _html_only(
            subject="CFP: Workshop on Applied Computing 2025 - open access proceedings",
            from_="WAC 2025 <wac2025@conf-example.org>",
            html=(
                "<html><body><h2>Call for Papers</h2><p>We invite submissions to the "
                "Workshop on Applied Computing. Proceedings will be open access. Authors "
                "must log in to the submission system to upload their papers. Deadline: "
                "June 30.</p><p>Access the site for templates.</p></body></html>"
            ),
        ),
    ),
    "outro-declaracao-login-fine": (
        "outro",
        make_raw(
            subject="Declaração",
            from_="Carolina Bastos <carolina.bastos@aluno.ifes.edu.br>",
            body=(
                "Oi, Jussara! Preciso de uma declaração de que sou aluna regular para "
                "apresentar no meu trabalho. Ah, e só para avisar: meu login nos "
                "computadores do laboratório voltou a funcionar depois da manutenção, não "
                "precisa mais ver aquilo. Obrigada!"
            ),
        ),
    ),
}


def _processed(raw: bytes) -> Email:
    email, _ = email_services.email_ingest(raw=raw, actor_label="test")
    steps.run_pending()
    email.refresh_from_db()
    return email


def _needed_review(email: Email) -> bool:
    return email.status_changes.filter(to_status=Email.Status.NEEDS_REVIEW).exists()


@pytest.mark.parametrize("case", list(CASES))
def test_the_kind_is_right(trained, case):
    kind, raw = CASES[case]
    email = _processed(raw)
    assert email.kind == kind, email.kind_scores


@pytest.mark.parametrize("case", list(CASES))
def test_never_confidently_wrong(trained, case):
    kind, raw = CASES[case]
    email = _processed(raw)
    assert email.kind == kind or _needed_review(email), email.kind_scores


def test_at_most_a_tenth_needs_review(trained):
    """The issue's target: a person decides the kind of at most 10% of the mail (a few
    look-alikes are worth a look: a lab account removed on leaving the program, a login
    that works again beside another request)."""
    reviewed = [case for case, (_kind, raw) in CASES.items() if _needed_review(_processed(raw))]
    assert len(reviewed) <= len(CASES) // 10, reviewed
