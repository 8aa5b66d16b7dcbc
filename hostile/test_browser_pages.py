"""The pages the trust work added to, as staff see them in Chromium at 1366×768: what a
hostile email leaves on them (a later copy of a Message-ID, a message kept headers-only,
HTML shown as text, a held reply, computers that already have the login) must fit the
screen without a horizontal scroll bar."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from acesso.models import AccessRequest, LabAccountCheck, LabHost
from emails import services as email_services
from emails.models import Email
from hostile.generate_intake import nested_divs_message
from sender import services as outbox
from testing.mail import make_raw

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "senha-de-teste-123"


def _log_in(page, live_server) -> None:
    get_user_model().objects.create_superuser("operador", "op@ifes.edu.br", PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "operador")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#content")


def _fits(page, url: str) -> str:
    """Open `url` and return the page's text; fails when it scrolls sideways."""
    page.goto(url)
    page.wait_for_selector("#content")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{url} is {overflow}px wider than a 1366px screen"
    return page.inner_text("#content")


def test_hostile_leftovers_fit_a_1366_screen(page, live_server, settings):
    settings.MAILFLOW_COORDINATOR_EMAIL = "coordenacao.ppcomp@ifes.edu.br"
    # a forged early copy and the genuine message with the same Message-ID
    first, _ = email_services.email_ingest(
        raw=make_raw(subject="Defesa", body="cópia forjada", message_id="<dup@x.example>")
    )
    later, _ = email_services.email_ingest(
        raw=make_raw(subject="Defesa", body="a verdadeira", message_id="<dup@x.example>")
    )
    assert later.duplicate_of_id == first.pk
    # 200,000 nested divs, shown as text
    deep, _ = email_services.email_ingest(raw=nested_divs_message())
    # an automatic reply held: a Reply-To far away, a reason the secretary must read
    held = outbox.outbound_compose(
        email=first,
        purpose="form_request",
        body_text="Prezado(a), faltam dados.",
        to="alguem.de.fora.com.um.endereco.bem.comprido@dominio-muito-longo.example",
        queue=True,
    )
    assert held.held_reason
    # computers that already have the login, one that could not be asked
    request = AccessRequest.objects.create(
        email=Email.objects.get(pk=deep.pk),
        student_name="Maria Souza",
        student_email="maria.souza@aluno.ifes.edu.br",
        login="maria.souza",
    )
    now = timezone.now()
    for n, (result, error) in enumerate(
        [
            (LabAccountCheck.Result.NOT_MAILFLOW, ""),
            (LabAccountCheck.Result.ERROR, "timed out " * 40),
        ],
        1,
    ):
        host = LabHost.objects.create(name=f"lab-{n:02d}", address=f"192.0.2.{n}")
        LabAccountCheck.objects.create(
            request=request,
            host=host,
            login="maria.souza",
            result=result,
            uid=1000 + n if not error else None,
            full_name="Maria Souza" if not error else "",
            error=error,
            checked_at=now,
        )

    _log_in(page, live_server)
    admin = f"{live_server.url}/admin"
    text = _fits(page, f"{admin}/emails/email/{later.pk}/change/")
    assert "Message-ID" in text
    _fits(page, f"{admin}/emails/email/{first.pk}/change/")
    _fits(page, f"{admin}/emails/email/{deep.pk}/change/")
    _fits(page, f"{admin}/emails/email/")
    text = _fits(page, f"{admin}/sender/outboundmessage/{held.pk}/change/")
    assert "domínio confiável" in text
    _fits(page, f"{admin}/sender/outboundmessage/")
    text = _fits(page, f"{admin}/acesso/accessrequest/{request.pk}/change/")
    assert "lab-01" in text and "não foi criada pelo mailflow" in text.lower()
    _fits(page, f"{admin}/acesso/accessrequest/")
    _fits(page, f"{admin}/acesso/labaccount/")
