"""Round 3 of unseen voices, written before reading the reader's code: who gets the lab
account (the student, never the professor or the program) as each email arrives, and which
kind the pipeline gives to look-alikes and to real requests phrased unusually."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

import pytest

from acesso import services as access_services
from categorizer import services as categorizer_services
from emails import services as email_services
from emails.models import Email
from pipeline import steps
from testing.mail import make_raw

pytestmark = pytest.mark.django_db

SECRETARIA = "Secretaria PPComp <secretaria.ppcomp@ifes.edu.br>"


@dataclass
class Voice:
    name: str
    email: str
    raw: bytes


def _forward_as_attachment(*, from_: str, body: str, inner: EmailMessage) -> bytes:
    outer = EmailMessage()
    outer["Subject"] = f"Fwd: {inner['Subject']}"
    outer["From"] = from_
    outer["To"] = SECRETARIA
    outer["Date"] = "Mon, 03 Mar 2025 14:20:00 -0300"
    outer["Message-ID"] = "<fwd-attached-round3@ifes.edu.br>"
    outer.set_content(body)
    outer.add_attachment(inner)
    return outer.as_bytes()


def _inner(*, subject: str, from_: str, to: str, body: str) -> EmailMessage:
    inner = EmailMessage()
    inner["Subject"] = subject
    inner["From"] = from_
    inner["To"] = to
    inner["Date"] = "Sun, 02 Mar 2025 22:05:00 +0000"
    inner["Message-ID"] = "<inner-round3@ug.edu.gh>"
    inner.set_content(body)
    return inner


VOICES = {
    # --- students asking for themselves ---
    "self-name-in-from-only": Voice(
        "Thaís D'Ávila Nogueira",
        "thais.davila@aluno.ifes.edu.br",
        make_raw(
            subject="Computadores do laboratório",
            from_="Thaís D'Ávila Nogueira <thais.davila@aluno.ifes.edu.br>",
            body=(
                "Bom dia!\n\nPreciso de acesso aos computadores do laboratório para rodar "
                "os experimentos da disciplina de Otimização. Obrigada desde já."
            ),
        ),
    ),
    "self-name-in-signature-only": Voice(
        "João Pedro de Albuquerque Filho",
        "jp.albuquerque.filho@gmail.com",
        make_raw(
            subject="Conta no laboratório",
            from_="jp.albuquerque.filho@gmail.com",
            body=(
                "Olá, secretaria\n\nSou aluno novo do mestrado (turma 2025/1) e gostaria de "
                "uma conta nos computadores do laboratório.\n\nAtenciosamente,\n"
                "João Pedro de Albuquerque Filho\nMestrando PPComp"
            ),
        ),
    ),
    "self-name-in-a-sentence": Voice(
        "Rafael Sant'Anna Júnior",
        "rsantanna@gmail.com",
        make_raw(
            subject="Login nas máquinas",
            from_="rsantanna@gmail.com",
            body=(
                "Boa tarde, meu nome é Rafael Sant'Anna Júnior, fui aprovado como aluno "
                "especial neste semestre e gostaria de solicitar um login nas máquinas do "
                "laboratório.\n\nObrigado!"
            ),
        ),
    ),
    "self-lower-case": Voice(
        "Bianca Esteves do Carmo",
        "bianca.esteves@aluno.ifes.edu.br",
        make_raw(
            subject="acesso lab",
            from_="bianca.esteves@aluno.ifes.edu.br",
            body=(
                "oi, aqui é a bianca esteves do carmo, aluna do mestrado. preciso de acesso "
                "ao laboratório pra usar as máquinas com gpu. valeu"
            ),
        ),
    ),
    "self-nickname-in-from-full-name-signed": Voice(
        "Augusto Vilela Neto",
        "augusto.vilela@aluno.ifes.edu.br",
        make_raw(
            subject="Pedido de conta nos PCs do laboratório",
            from_="Guto <augusto.vilela@aluno.ifes.edu.br>",
            body=(
                "Oi, pessoal da secretaria, tudo bem?\n\nEntrei agora no mestrado e ainda não "
                "tenho usuário nos computadores do laboratório. Podem criar pra mim?\n\n"
                "Abraço,\nAugusto Vilela Neto\nMestrando – PPComp/Ifes"
            ),
        ),
    ),
    "self-mobile-signature": Voice(
        "Lucas Arantes Neto",
        "lucas.arantes@aluno.ifes.edu.br",
        make_raw(
            subject="Acesso",
            from_="Lucas Arantes Neto <lucas.arantes@aluno.ifes.edu.br>",
            body=(
                "Bom dia, gostaria de solicitar acesso ao laboratório de computação. "
                "Obrigado!\n\nEnviado do meu iPhone"
            ),
        ),
    ),
    "self-surname-first-in-from": Voice(
        "Camila Ribeiro de Menezes",
        "camila.ribeiro@aluno.ifes.edu.br",
        make_raw(
            subject="Solicitação de usuário - laboratório",
            from_='"Ribeiro, Camila" <camila.ribeiro@aluno.ifes.edu.br>',
            body=(
                "Prezados,\n\nvenho solicitar a criação do meu usuário nos computadores do "
                "laboratório do PPComp.\n\nCordialmente,\nCamila Ribeiro de Menezes\n"
                "Matrícula 20251MPCOMP0007"
            ),
        ),
    ),
    "self-from-a-family-address": Voice(
        "Renata Gomes Albuquerque",
        "familiagomes@hotmail.com",
        make_raw(
            subject="Acesso ao laboratório",
            from_="Família Gomes <familiagomes@hotmail.com>",
            body=(
                "Olá, sou a Renata Gomes Albuquerque, aluna nova do mestrado. Estou usando o "
                "e-mail da família até ter o institucional. Preciso de acesso aos "
                "computadores do laboratório.\n\nRenata"
            ),
        ),
    ),
    "self-inside-a-long-email": Voice(
        "Vinícius Gonçalves Prado",
        "vinicius.prado@aluno.ifes.edu.br",
        make_raw(
            subject="Algumas dúvidas do início do semestre",
            from_="Vinícius Gonçalves Prado <vinicius.prado@aluno.ifes.edu.br>",
            body=(
                "Boa tarde, secretaria!\n\nTenho algumas dúvidas:\n\n"
                "1) A rematrícula já foi feita automaticamente ou preciso preencher algum "
                "formulário no SIGAA?\n\n"
                "2) O edital de bolsas da Fapes já saiu? Meu orientador comentou que sairia "
                "em março.\n\n"
                "3) Também preciso de acesso aos computadores do laboratório, porque minha "
                "máquina não dá conta dos experimentos. Como faço?\n\n"
                "4) Posso cursar Tópicos Especiais como disciplina optativa?\n\n"
                "Desde já agradeço,\nVinícius"
            ),
        ),
    ),
    "self-reactivation": Voice(
        "Pâmela Rocha Bittencourt",
        "pamela.rocha@aluno.ifes.edu.br",
        make_raw(
            subject="Conta expirada",
            from_="Pâmela Rocha <pamela.rocha@aluno.ifes.edu.br>",
            body=(
                "Olá, minha conta nos computadores do laboratório expirou (o login era "
                "pamela.rocha). Podem reativar? Continuo no mestrado até dezembro.\n\n"
                "Pâmela Rocha Bittencourt"
            ),
        ),
    ),
    "self-ssh-cluster": Voice(
        "Diego Hashimoto",
        "diego.hashimoto@aluno.ifes.edu.br",
        make_raw(
            subject="Conta no servidor",
            from_="Diego Hashimoto <diego.hashimoto@aluno.ifes.edu.br>",
            body=(
                "Boa noite. Preciso de uma conta com acesso SSH ao servidor do laboratório "
                "(o cluster de GPUs) para treinar os modelos da dissertação.\n\n"
                "Diego Hashimoto"
            ),
        ),
    ),
    "self-reply-in-unrelated-thread": Voice(
        "Natália Queiroz",
        "natalia.queiroz@aluno.ifes.edu.br",
        make_raw(
            subject="Re: Horário da disciplina de Aprendizado de Máquina",
            from_="Natália Queiroz <natalia.queiroz@aluno.ifes.edu.br>",
            body=(
                "Obrigada pela informação!\n\nAproveitando o e-mail: eu ainda não tenho "
                "acesso aos computadores do laboratório. Seria possível criar minha conta?\n\n"
                "Natália\n\n"
                "Em sex., 28 de fev. de 2025 às 16:20, Secretaria PPComp "
                "<secretaria.ppcomp@ifes.edu.br> escreveu:\n"
                "> Prezados alunos,\n> a disciplina de Aprendizado de Máquina será às "
                "quartas, das 13h às 17h, na sala 10.\n> Atenciosamente,\n> Secretaria PPComp"
            ),
            headers={"In-Reply-To": "<horario-am@ifes.edu.br>"},
        ),
    ),
    "visitor-in-english": Voice(
        "Sophie van der Berg",
        "s.vanderberg@tudelft.nl",
        make_raw(
            subject="User account for the lab computers",
            from_="Sophie van der Berg <s.vanderberg@tudelft.nl>",
            body=(
                "Hello,\n\nI am a visiting PhD student from TU Delft, staying at Ifes until "
                "June with Prof. Tavares. Could you please create a user account for me on "
                "the lab machines?\n\nKind regards,\nSophie van der Berg\nTU Delft"
            ),
        ),
    ),
    # --- professors asking for a named student ---
    "prof-student-with-address": Voice(
        "Matheus Oliveira dos Reis",
        "matheus.reis@aluno.ifes.edu.br",
        make_raw(
            subject="Conta no laboratório para orientando",
            from_="Prof. Hélio Tavares <helio.tavares@ifes.edu.br>",
            body=(
                "Prezada secretaria,\n\npeço, por gentileza, a criação de uma conta no "
                "laboratório para meu orientando Matheus Oliveira dos Reis "
                "(matheus.reis@aluno.ifes.edu.br), que começa os experimentos este mês.\n\n"
                "Att.,\nHélio Tavares\nProfessor – PPComp"
            ),
        ),
    ),
    "prof-student-without-address": Voice(
        "Ana Clara Müller",
        "",
        make_raw(
            subject="Acesso às máquinas",
            from_="Luciana Ferraz <luciana.ferraz@ifes.edu.br>",
            body=(
                "Olá!\n\nA aluna Ana Clara Müller, que coorientei no TCC e agora está no "
                "mestrado, precisa de acesso às máquinas do laboratório. Ela ainda não tem "
                "e-mail institucional.\n\nObrigada,\nLuciana"
            ),
        ),
    ),
    "prof-student-in-cc-and-named": Voice(
        "Yuki Tanaka Fernandes",
        "yuki.fernandes@aluno.ifes.edu.br",
        make_raw(
            subject="Solicitação de acesso",
            from_="Marcos Aurélio Pinto <marcos.pinto@ifes.edu.br>",
            body=(
                "Bom dia, secretaria.\n\nSolicito acesso ao laboratório para o aluno em "
                "cópia, Yuki Tanaka Fernandes, que vai trabalhar no projeto de visão "
                "computacional.\n\nGrato,\nMarcos"
            ),
            headers={"Cc": "Yuki Tanaka Fernandes <yuki.fernandes@aluno.ifes.edu.br>"},
        ),
    ),
    "prof-student-only-in-cc": Voice(
        "Letícia Andrade de Sá",
        "leticia.sa@aluno.ifes.edu.br",
        make_raw(
            subject="Conta nos computadores",
            from_="Roberta Nunes <roberta.nunes@ifes.edu.br>",
            body=(
                "Prezados,\n\nsolicito uma conta nos computadores do laboratório para a "
                "aluna em cópia, minha nova orientanda.\n\nObrigada,\nRoberta Nunes"
            ),
            headers={"Cc": "Letícia Andrade de Sá <leticia.sa@aluno.ifes.edu.br>"},
        ),
    ),
    "prof-student-in-a-table": Voice(
        "Caio Henrique Lopes Neto",
        "caio.neto@aluno.ifes.edu.br",
        make_raw(
            subject="Cadastro no laboratório",
            from_="Fábio Moraes <fabio.moraes@ifes.edu.br>",
            body=(
                "Boa tarde,\n\nsolicito o cadastro do aluno abaixo nos computadores do "
                "laboratório:\n\n"
                "Nome\tE-mail\tMatrícula\n"
                "Caio Henrique Lopes Neto\tcaio.neto@aluno.ifes.edu.br\t20251MPCOMP0012\n\n"
                "Obrigado,\nFábio Moraes"
            ),
            html=(
                "<p>Boa tarde,</p><p>solicito o cadastro do aluno abaixo nos computadores do "
                "laboratório:</p><table><tr><th>Nome</th><th>E-mail</th><th>Matrícula</th>"
                "</tr><tr><td>Caio Henrique Lopes Neto</td>"
                "<td>caio.neto@aluno.ifes.edu.br</td><td>20251MPCOMP0012</td></tr></table>"
                "<p>Obrigado,<br>Fábio Moraes</p>"
            ),
        ),
    ),
    "prof-student-in-subject-only": Voice(
        "Francisco de Assis Meireles",
        "",
        make_raw(
            subject="Acesso ao laboratório - Francisco de Assis Meireles",
            from_="Renato Caldeira <renato.caldeira@ifes.edu.br>",
            body=(
                "Prezados,\n\nconforme o assunto, solicito a liberação do acesso ao "
                "laboratório. É meu orientando do mestrado.\n\nObrigado,\nProf. Renato Caldeira"
            ),
        ),
    ),
    "prof-student-in-labelled-lines": Voice(
        "Iara Tupinambá Coutinho",
        "iara.coutinho@aluno.ifes.edu.br",
        make_raw(
            subject="Nova aluna - acesso ao laboratório",
            from_="Gustavo Lins <gustavo.lins@ifes.edu.br>",
            body=(
                "Secretaria,\n\npor favor, criem um usuário no laboratório para a minha "
                "nova orientanda. Dados:\n\n"
                "Nome: Iara Tupinambá Coutinho\nMatrícula: 20251MPCOMP0019\n"
                "E-mail: iara.coutinho@aluno.ifes.edu.br\n\nAbs,\nGustavo Lins"
            ),
        ),
    ),
    "prof-in-english": Voice(
        "Pedro Henrique Dall'Agnol",
        "pedro.dallagnol@aluno.ifes.edu.br",
        make_raw(
            subject="Lab access for my student",
            from_="Andrea Rossi <andrea.rossi@ifes.edu.br>",
            body=(
                "Hi,\n\ncould you please give lab access to my new student, Pedro Henrique "
                "Dall'Agnol? His email is pedro.dallagnol@aluno.ifes.edu.br.\n\n"
                "Thanks,\nAndrea"
            ),
        ),
    ),
    "prof-for-visiting-researcher": Voice(
        "Jean-Baptiste Lefèvre",
        "jb.lefevre@univ-lyon1.fr",
        make_raw(
            subject="Pesquisador visitante",
            from_="Prof. Hélio Tavares <helio.tavares@ifes.edu.br>",
            body=(
                "Prezados,\n\nreceberemos o pesquisador visitante Dr. Jean-Baptiste Lefèvre "
                "(Université de Lyon) de 10/03 a 30/04. Peço que criem uma conta para ele "
                "nos computadores do laboratório. O e-mail dele é jb.lefevre@univ-lyon1.fr.\n\n"
                "Att.,\nHélio Tavares"
            ),
        ),
    ),
    "vice-coordinator-student-in-angle-brackets": Voice(
        "Maria Eduarda Sá Freitas",
        "mariaeduarda.freitas@aluno.ifes.edu.br",
        make_raw(
            subject="Conta de laboratório - ingressante",
            from_="Paulo Roberto Mattos <paulo.mattos@ifes.edu.br>",
            body=(
                "Boa tarde,\n\nfavor criar conta de laboratório para a discente Maria Eduarda "
                "Sá Freitas <mariaeduarda.freitas@aluno.ifes.edu.br>, aprovada no edital "
                "02/2025.\n\nPaulo Roberto Mattos\nVice-coordenador do PPComp"
            ),
            headers={"Cc": "Coordenação PPComp <coordenacao@ppcomp.example>"},
        ),
    ),
    # --- coordinators forwarding ---
    "coordinator-gmail-forward": Voice(
        "Otávio Brandão Coelho",
        "otavio.coelho@aluno.ifes.edu.br",
        make_raw(
            subject="Fwd: Acesso ao laboratório",
            from_="Sandra Lemos <sandra.lemos@ifes.edu.br>",
            body=(
                "Secretaria, favor providenciar.\n\n"
                "---------- Forwarded message ---------\n"
                "De: Otávio Brandão Coelho <otavio.coelho@aluno.ifes.edu.br>\n"
                "Date: seg., 3 de mar. de 2025 às 09:14\n"
                "Subject: Acesso ao laboratório\n"
                "To: <coordenacao.ppcomp@ifes.edu.br>\n\n\n"
                "Bom dia, professora. Sou aluno do mestrado e gostaria de ter acesso aos "
                "computadores do laboratório.\n\nObrigado,\nOtávio\n"
            ),
        ),
    ),
    "vice-coordinator-outlook-ptbr-forward": Voice(
        "Gabriela Sousa e Silva",
        "gabriela.silva@aluno.ifes.edu.br",
        make_raw(
            subject="ENC: Solicitação de conta no laboratório",
            from_="Paulo Roberto Mattos <paulo.mattos@ifes.edu.br>",
            body=(
                "Encaminho para as providências.\n\nPaulo (vice-coordenador)\n\n"
                "________________________________\n"
                "De: Gabriela Sousa e Silva <gabriela.silva@aluno.ifes.edu.br>\n"
                "Enviado: segunda-feira, 3 de março de 2025 10:02\n"
                "Para: Coordenação PPComp <coordenacao.ppcomp@ifes.edu.br>\n"
                "Assunto: Solicitação de conta no laboratório\n\n"
                "Prezado coordenador, solicito uma conta nos computadores do laboratório "
                "para desenvolver minha dissertação.\n\nAtenciosamente,\nGabriela\n"
            ),
        ),
    ),
    "coordinator-outlook-english-forward": Voice(
        "Liam O'Connor",
        "liam.oconnor@tcd.ie",
        make_raw(
            subject="FW: Lab account",
            from_="Sandra Lemos <sandra.lemos@ifes.edu.br>",
            body=(
                "Por favor, criem a conta do Liam.\n\nSandra\n\n"
                "From: Liam O'Connor <liam.oconnor@tcd.ie>\n"
                "Sent: Monday, March 3, 2025 8:45 AM\n"
                "To: Sandra Lemos <sandra.lemos@ifes.edu.br>\n"
                "Subject: Lab account\n\n"
                "Dear Prof. Lemos,\n\nI'm joining the PPComp as a visiting student for three "
                "months. Could I get an account on the lab computers?\n\nBest regards,\nLiam\n"
            ),
        ),
    ),
    "coordinator-apple-mail-forward": Voice(
        "Heloísa Cavalcanti de Barros",
        "helo.barros@gmail.com",
        make_raw(
            subject="Fwd: Acesso aos computadores",
            from_="Sandra Lemos <sandra.lemos@ifes.edu.br>",
            body=(
                "Para a secretaria providenciar.\n\nEnviado do meu iPad\n\n"
                "Início da mensagem encaminhada:\n\n"
                "De: Heloísa Cavalcanti de Barros <helo.barros@gmail.com>\n"
                "Assunto: Acesso aos computadores\n"
                "Data: 2 de março de 2025 21:10:33 BRT\n"
                "Para: coordenacao.ppcomp@ifes.edu.br\n\n"
                "Professora, boa noite! Ainda não consegui entrar nos computadores do "
                "laboratório; acho que não tenho conta. Poderia pedir para criarem?\n\n"
                "Heloísa\n"
            ),
        ),
    ),
    "coordinator-forward-as-attachment": Voice(
        "Kwame Mensah-Boateng",
        "kwame.mb@ug.edu.gh",
        _forward_as_attachment(
            from_="Sandra Lemos <sandra.lemos@ifes.edu.br>",
            body="Segue em anexo o pedido do visitante de Gana. Favor criar a conta.\n\nSandra",
            inner=_inner(
                subject="Request for a computer account",
                from_="Kwame Mensah-Boateng <kwame.mb@ug.edu.gh>",
                to="Sandra Lemos <sandra.lemos@ifes.edu.br>",
                body=(
                    "Dear Professor Lemos,\n\nI arrived in Serra last week for my research "
                    "stay. Could the lab create a computer account for me?\n\n"
                    "Sincerely,\nKwame Mensah-Boateng\nUniversity of Ghana"
                ),
            ),
        ),
    ),
    # --- forms ---
    "google-forms-notification": Voice(
        "Emanuelle Fontes Araújo",
        "emanuelle.araujo@aluno.ifes.edu.br",
        make_raw(
            subject="Nova resposta: Solicitação de acesso ao laboratório",
            from_="Google Forms <forms-receipts-noreply@google.com>",
            body=(
                "Nova resposta registrada no formulário Solicitação de acesso ao laboratório\n\n"
                "Nome completo\nEmanuelle Fontes Araújo\n\n"
                "E-mail\nemanuelle.araujo@aluno.ifes.edu.br\n\n"
                "Matrícula\n20251MPCOMP0031\n\n"
                "Orientador(a)\nHélio Tavares\n\n"
                "Ver respostas no Planilhas"
            ),
        ),
    ),
    "form-notification-with-labels": Voice(
        "Wesley D'Angelo",
        "wesley.dangelo@gmail.com",
        make_raw(
            subject="Nova resposta - Pedido de acesso",
            from_="Formulários Ifes <no-reply@formularios.ifes.edu.br>",
            body=(
                "Nova resposta recebida.\n\n"
                "Nome: Wesley D'Angelo\nE-mail: wesley.dangelo@gmail.com\n"
                "Tipo de solicitação: Acesso aos computadores do laboratório\n"
                "Orientador: Fábio Moraes\n"
            ),
        ),
    ),
}


@pytest.mark.parametrize("case", list(VOICES))
def test_the_account_is_for_the_student(case):
    voice = VOICES[case]
    email, _ = email_services.email_ingest(raw=voice.raw, actor_label="test")
    student = access_services.access_read(email)
    assert (student.name, student.email.lower()) == (voice.name, voice.email)


# --- kinds: look-alikes ("outro") and real requests in unusual words ---

KINDS = {
    "eduroam": (
        "outro",
        "Wi-fi no prédio",
        "Olá, não consigo conectar no eduroam no prédio da pós; minhas credenciais são "
        "recusadas. Como faço para entrar na rede sem fio?",
    ),
    "vpn": (
        "outro",
        "VPN do Ifes",
        "Boa tarde, preciso configurar a VPN do Ifes para acessar o portal de periódicos da "
        "Capes de casa. Qual é o endereço do servidor e onde pego o certificado?",
    ),
    "printer": (
        "outro",
        "Impressora",
        "A impressora do laboratório está acusando falta de toner e não imprime nada. Quem "
        "pode trocar o cartucho?",
    ),
    "room-key": (
        "outro",
        "Chave da sala",
        "Bom dia, podem me emprestar a chave do laboratório amanhã às 7h? A porta fica "
        "trancada e o vigia não tem cópia.",
    ),
    "account-removal": (
        "outro",
        "Encerramento de conta",
        "Olá, concluí o mestrado e entreguei a versão final. Podem desativar e apagar minha "
        "conta nos computadores do laboratório? Já copiei meus arquivos.",
    ),
    "password-works-now": (
        "outro",
        "Re: Senha do laboratório",
        "Podem desconsiderar meu e-mail anterior: consegui entrar, a senha do laboratório já "
        "está funcionando. Obrigado!",
    ),
    "qualification-exam": (
        "outro",
        "Exame de qualificação",
        "Prezada secretaria, gostaria de agendar meu exame de qualificação para 15/04 às 14h. "
        "A banca será composta pelos professores Hélio Tavares, Luciana Ferraz e Marcos "
        "Pinto. Podem reservar a sala 10?",
    ),
    "defence-invitation": (
        "outro",
        "Convite: defesa de dissertação",
        "O PPComp convida toda a comunidade para a defesa pública de dissertação de Carla "
        "Menezes, no dia 20/03 às 14h, no auditório. Título: Redes neurais para previsão de "
        "vazão. Participem!",
    ),
    "enrolment-declaration": (
        "outro",
        "Declaração",
        "Olá, preciso de uma declaração de matrícula no mestrado para apresentar na empresa "
        "onde trabalho. Pode ser em PDF assinado.",
    ),
    "software-install": (
        "outro",
        "Instalação de programas",
        "Já tenho conta nos computadores do laboratório, mas falta o MATLAB e o CUDA 12. "
        "Poderiam instalar nas máquinas?",
    ),
    "acesso-english-newcomer": (
        "acesso",
        "Lab PCs",
        "Hi! I just started in the program and I don't have a username for the lab PCs yet. "
        "Could someone set one up for me? Thanks, Omar Haddad",
    ),
    "acesso-informal-short": (
        "acesso",
        "login",
        "oi! como faço pra conseguir login nas máquinas do lab? sou aluna nova. bjs, Duda",
    ),
    "acesso-professor-registration": (
        "acesso",
        "Cadastro de orientando",
        "Favor cadastrar meu orientando Rodrigo Farias no laboratório, ele precisa rodar "
        "simulações. Att., Prof. Gustavo Lins",
    ),
    "acesso-cluster-expired": (
        "acesso",
        "cluster",
        "Minha conta no cluster do laboratório venceu no fim do semestre e não consigo mais "
        "entrar por SSH. Podem reativar? Sigo matriculada. Pâmela",
    ),
    "acesso-forms": (
        "acesso",
        "Nova resposta: Formulário do laboratório",
        "Nova resposta registrada.\n\nNome: Tiago Bastos\nE-mail: tiago.bastos@gmail.com\n"
        "Pedido: criação de usuário nos computadores do laboratório",
    ),
    "defesa-english": (
        "defesa",
        "Thesis defense",
        "Dear secretariat, I would like to schedule my master's thesis defense for May 12 at "
        "2 pm. The committee will be Prof. Tavares (advisor), Prof. Ferraz and Dr. Alves "
        "from UFES. Best, Omar",
    ),
    "defesa-informal": (
        "defesa",
        "Banca final da Júlia",
        "Oi, gente! Chegou a hora: queremos marcar a banca final da Júlia no dia 30/06, às 9h, "
        "sala 10. Membros: eu, a Luciana e o prof. Alves da Ufes. Abraço, Gustavo",
    ),
    "defesa-formal-advisor": (
        "defesa",
        "Composição de banca",
        "Solicito a composição de banca e o agendamento da defesa pública de dissertação do "
        "mestrando Rodrigo Farias para 14/07/2025, 14h. Membros: Gustavo Lins (orientador), "
        "Roberta Nunes (interna) e Carlos Alves (externo, UFES).",
    ),
    "defesa-remote": (
        "defesa",
        "Defesa por videoconferência",
        "Prezados, a defesa de mestrado da minha orientanda Bianca Esteves será remota, pelo "
        "Google Meet, em 22/05 às 10h; o membro externo participa de Portugal. Podem "
        "registrar?",
    ),
    "defesa-forwarded": (
        "defesa",
        "Fwd: Data da minha defesa",
        "Secretaria, segue pedido do aluno.\n\n---------- Forwarded message ---------\n"
        "De: Caio Lopes <caio.neto@aluno.ifes.edu.br>\nSubject: Data da minha defesa\n\n"
        "Professor, podemos fixar minha defesa da dissertação em 18/08 às 15h? A banca "
        "já confirmou.",
    ),
}


@pytest.fixture
def trained(db):
    """An active model trained on the shipped data."""
    return categorizer_services.model_train(note="test").model


def _classified(subject: str, body: str) -> Email:
    raw = make_raw(subject=subject, from_="Remetente Qualquer <remetente@example.org>", body=body)
    email, _ = email_services.email_ingest(raw=raw, actor_label="test")
    steps.run_pending()
    email.refresh_from_db()
    return email


@pytest.mark.parametrize("case", list(KINDS))
def test_the_kind(trained, case):
    kind, subject, body = KINDS[case]
    email = _classified(subject, body)
    assert email.kind == kind, email.kind_scores


@pytest.mark.parametrize("case", [c for c, (k, _s, _b) in KINDS.items() if k != "outro"])
def test_a_request_is_never_confidently_routed_elsewhere(trained, case):
    kind, subject, body = KINDS[case]
    email = _classified(subject, body)
    assert email.kind == kind or email.status == Email.Status.NEEDS_REVIEW, email.kind_scores


# --- what the reader guesses, it marks; what it cannot tell, it leaves to a person ---


def _read(**kwargs):
    email, _ = email_services.email_ingest(raw=make_raw(**kwargs), actor_label="test")
    return access_services.access_read(email)


def test_a_student_taken_from_the_copied_addresses_is_marked():
    student = _read(
        from_="Roberta Nunes <roberta.nunes@ifes.edu.br>",
        body="Solicito conta no laboratório para a aluna em cópia.\n\nObrigada,\nRoberta Nunes",
        headers={"Cc": "Letícia Andrade de Sá <leticia.sa@aluno.ifes.edu.br>"},
    )
    assert student.checks == {"student_name": "copied_student"}


def test_the_student_in_copy_among_several_is_left_to_a_person_never_the_writer():
    student = _read(
        from_="Roberta Nunes <roberta.nunes@ifes.edu.br>",
        body="Solicito conta no laboratório para a aluna em cópia.\n\nObrigada,\nRoberta Nunes",
        headers={"Cc": "Letícia Sá <leticia.sa@aluno.ifes.edu.br>, Hélio <helio@ifes.edu.br>"},
    )
    assert (student.name, student.email) == ("", "")
    assert student.checks["student_name"] == "student_not_named"


def test_a_name_written_in_lower_case_is_capitalised_and_marked():
    student = _read(
        from_="joao.silva@gmail.com",
        body="oi, sou o joão pedro sousa e silva e preciso de acesso ao lab",
    )
    assert (student.name, student.checks) == (
        "João Pedro Sousa e Silva",
        {"student_name": "name_case"},
    )


def test_a_lower_case_introduction_the_address_does_not_bear_out_is_not_taken():
    student = _read(from_="xyz123@gmail.com", body="oi, sou a bianca esteves, preciso do lab")
    assert student.name == ""
