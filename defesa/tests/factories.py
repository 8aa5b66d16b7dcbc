"""Defence request emails for the workflow, admin and API tests."""

from __future__ import annotations

from emails import services as email_services
from testing.mail import make_raw

PROFESSOR = "João D'Ávila <joao.davila@ifes.edu.br>"
PROFESSOR_ADDRESS = "joao.davila@ifes.edu.br"
CHAMADO_TO = "coordenacao.ppcomp@ifes.edu.br"

COMPLETE = """Prezada secretaria,

Seguem os dados da defesa da minha orientanda:

Nome Completo Aluno: Maria Souza
Título: Detecção de anomalias em redes com aprendizado profundo
Data: 15/10/2025
Horário: 14:00h
Sala: 207
Link Sala Virtual(Se n houver, deixar em branco):

Orientador Principal: Prof. Dr. João D'Ávila
Coorientador:
Membro Interno: Profa. Dra. Ana Lima
Membro Externo: Prof. Dr. Carlos Pereira (UFES)

Att.,
João
"""

# No time, no external member.
INCOMPLETE = """Prezada secretaria,

Peço o registro da defesa da Maria:

Nome Completo Aluno: Maria Souza
Título: Detecção de anomalias em redes com aprendizado profundo
Data: 15/10/2025
Horário:
Sala: 207

Orientador Principal: Prof. Dr. João D'Ávila
Membro Interno: Profa. Dra. Ana Lima

Att.,
João
"""


def raw_request(body: str = COMPLETE, **kwargs) -> bytes:
    return make_raw(
        subject=kwargs.pop("subject", "Defesa de mestrado - Maria Souza"),
        from_=kwargs.pop("from_", PROFESSOR),
        body=body,
        **kwargs,
    )


def defense_email(body: str = COMPLETE, **kwargs):
    """A stored email already classified as defesa (waiting for the workflow)."""
    email, _created = email_services.email_ingest(raw=raw_request(body, **kwargs))
    email_services.email_set_kind(email=email, kind="defesa", confidence=0.97)
    return email
