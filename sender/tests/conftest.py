import pytest

from emails import services as email_services
from testing.mail import make_raw


@pytest.fixture
def request_email(db):
    """An incoming request to answer."""
    raw = make_raw(
        subject="Solicitação de acesso ao laboratório",
        from_="Maria Souza <maria.souza@aluno.ifes.edu.br>",
        message_id="<pedido-1@gmail.example>",
        headers={"References": "<anterior@gmail.example>"},
    )
    email, _created = email_services.email_ingest(raw=raw)
    return email
