"""Mixed incoming mail for the pipeline tests and benchmark: complete defence requests,
lab access requests and mail that is neither, each with a unique sender and name."""

from __future__ import annotations

from testing.mail import make_raw

FIRST = ["Maria", "João", "Ana", "Pedro", "Luíza", "Carlos", "Beatriz", "Rafael", "Júlia", "Tiago"]
LAST = ["Souza", "Almeida", "Lima", "Pereira", "Conceição", "Araújo", "Gonçalves", "Ribeiro"]
STUDENT_FIRST = ["Bruna", "Diego", "Fernanda", "Gustavo", "Helena", "Igor", "Larissa", "Mateus"]
STUDENT_LAST = ["Barbosa", "Cardoso", "Dias", "Farias", "Moreira", "Nogueira", "Teixeira", "Vieira"]

DEFENSE = """Prezada secretaria,

Solicito o registro da defesa de mestrado do meu orientando, com os dados abaixo.

Nome Completo Aluno: {student}
Título: Um estudo sobre {topic} em redes de computadores
Data: {day:02d}/11/2026
Horário: {hour}:00h
Sala: {room}
Link Sala Virtual(Se n houver, deixar em branco):

Orientador Principal: Prof. Dr. Roberto Mendes
Coorientador:
Membro Interno: Profa. Dra. Cláudia Rocha
Membro Externo: Prof. Dr. Sérgio Castro (UFES)

Atenciosamente,
Roberto Mendes
"""

ACCESS = """Olá, secretaria!

Sou aluno(a) do mestrado e preciso de acesso aos computadores do laboratório para rodar os
experimentos da dissertação. Poderiam criar o meu usuário?

Nome completo: {student}
Matrícula: 2026{n:04d}

Obrigado(a),
{student}
"""

OTHER = [
    (
        "Convite: palestra sobre computação quântica",
        "Prezados, convidamos todos para a palestra sobre computação quântica na sexta-feira, "
        "às 10h, no auditório. Entrada franca.\n\nComissão de eventos",
    ),
    (
        "Boletim da biblioteca - novas aquisições",
        "Confira as novas aquisições da biblioteca do campus neste mês: livros de engenharia, "
        "matemática e literatura. Horário de funcionamento: 8h às 21h.",
    ),
    (
        "Reunião do colegiado",
        "Informamos que a reunião ordinária do colegiado foi remarcada para a próxima semana. "
        "A pauta será enviada em breve.",
    ),
    (
        "Manutenção do sistema acadêmico",
        "O sistema acadêmico ficará indisponível no sábado das 8h às 12h para manutenção "
        "programada. Pedimos desculpas pelo transtorno.",
    ),
]
TOPICS = ["aprendizado de máquina", "detecção de intrusão", "computação em nuvem", "IoT"]


def mixed_mail(count: int = 200) -> list[tuple[str, bytes]]:
    """(expected kind, raw message): 40% defences, 40% access requests, 20% other."""
    mail = []
    for n in range(count):
        share = n % 5
        if share in (0, 1):
            number = len([k for k, _ in mail if k == "defesa"])
            student = (
                f"{FIRST[number % len(FIRST)]} {LAST[number // len(FIRST) % len(LAST)]} "
                f"{LAST[number % len(LAST)]}"
            )
            body = DEFENSE.format(
                student=student,
                topic=TOPICS[number % len(TOPICS)],
                day=1 + number % 28,
                hour=8 + number % 10,
                room=200 + number,
            )
            raw = make_raw(
                subject=f"Defesa de mestrado - {student}",
                from_=f"Roberto Mendes <roberto.mendes+{n}@ifes.edu.br>",
                body=body,
                message_id=f"<pipeline-{n}@test.example>",
            )
            mail.append(("defesa", raw))
        elif share in (2, 3):
            number = len([k for k, _ in mail if k == "acesso"])
            student = (
                f"{STUDENT_FIRST[number % len(STUDENT_FIRST)]} "
                f"{STUDENT_LAST[number // len(STUDENT_FIRST) % len(STUDENT_LAST)]} "
                f"{STUDENT_LAST[number % len(STUDENT_LAST)]}"
            )
            raw = make_raw(
                subject="Acesso aos computadores do laboratório",
                from_=f"{student} <aluno{n}@aluno.ifes.edu.br>",
                body=ACCESS.format(student=student, n=n),
                message_id=f"<pipeline-{n}@test.example>",
            )
            mail.append(("acesso", raw))
        else:
            subject, body = OTHER[n % len(OTHER)]
            raw = make_raw(
                subject=subject,
                from_=f"Comunicação <comunicacao{n}@ifes.edu.br>",
                body=body,
                message_id=f"<pipeline-{n}@test.example>",
            )
            mail.append(("outro", raw))
    return mail
