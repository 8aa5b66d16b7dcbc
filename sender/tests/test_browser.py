"""A secretary discards a held reply in a real browser (Chromium + Playwright)."""

import pytest

from defesa.tests.test_browser import log_in, staff_user
from emails import services as email_services
from sender import services
from sender.models import OutboundMessage
from testing.browser import save_screenshot
from testing.mail import make_raw

pytestmark = pytest.mark.django_db(transaction=True)


def _held_reply() -> OutboundMessage:
    """An automatic acknowledgement loop protection held: its request came from a
    no-reply address."""
    email, _ = email_services.email_ingest(
        raw=make_raw(
            subject="Aviso automático",
            body="Esta mensagem foi enviada automaticamente.",
            from_="Sistema <noreply@sistema.example>",
        )
    )
    message = services.outbound_compose(
        email=email, purpose="ack", body_text="Recebemos sua mensagem.", queue=True
    )
    assert message.status == "draft" and message.held_reason
    return message


def test_a_secretary_discards_a_held_reply_giving_a_reason(page, live_server):
    message = _held_reply()
    staff_user("secretaria", "Secretaria")
    log_in(page, live_server, "secretaria")
    page.goto(f"{live_server.url}/admin/sender/outboundmessage/")
    page.check(f"input[name=_selected_action][value='{message.pk}']")
    page.select_option("select[name=action]", "discard")
    page.click("button[name=index]")
    page.wait_for_selector("#id_reason")
    assert "Descartar estas mensagens?" in page.inner_text("#content")
    message.refresh_from_db()
    assert message.status == "draft"  # nothing happens before the confirmation
    page.fill("#id_reason", "resposta a um aviso automático")
    page.click("input[type=submit][value='Sim, descartar']")
    page.wait_for_selector(".messagelist")
    assert "1 mensagem descartada" in page.inner_text(".messagelist")
    page.goto(f"{live_server.url}/admin/sender/outboundmessage/{message.pk}/change/")
    history = page.inner_text("#content")
    assert "Descartada" in history and "resposta a um aviso automático" in history
    save_screenshot(page, "outbox-discarded")
    message.refresh_from_db()
    assert message.status == "discarded"
    # the case's page lists the reply, discarded, with a link to it
    page.goto(f"{live_server.url}/admin/emails/email/{message.email_id}/change/")
    replies = page.locator("table.outbox-replies")
    assert "Descartada" in replies.inner_text()
    save_screenshot(page, "case-replies")
    replies.locator("a").first.click()
    page.wait_for_selector("#content")
    assert page.url.endswith(f"/admin/sender/outboundmessage/{message.pk}/change/")


def test_the_coordinator_cannot_discard(page, live_server):
    message = _held_reply()
    staff_user("coordenacao", "Coordenação")
    log_in(page, live_server, "coordenacao")
    page.goto(f"{live_server.url}/admin/sender/outboundmessage/")
    assert "Aviso automático" in page.inner_text("#content")
    options = page.locator("select[name=action] option").all_inner_texts()
    assert not any("Descartar" in option for option in options)
    message.refresh_from_db()
    assert message.status == "draft"
