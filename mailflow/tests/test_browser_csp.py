"""The Content-Security-Policy breaks nothing: Chromium reports no violation on the admin's
pages and the API docs, and the docs still load the API's operations."""

import pytest
from django.contrib.auth import get_user_model

from defesa.models import DefenseRequest
from defesa.tests.factories import COMPLETE, defense_email
from emails import services
from pipeline import steps
from sender import services as outbox
from testing.browser import save_screenshot
from testing.mail import make_raw

pytestmark = pytest.mark.django_db(transaction=True)


def _violations(page) -> list[str]:
    found = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    # A violation the console may word differently (or not report) still fires this event.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return found


def test_no_csp_violation_on_the_admin_and_the_api_docs(page, live_server):
    get_user_model().objects.create_superuser("chefe", password="senha-de-teste-123")
    email, _ = services.email_ingest(
        raw=make_raw(
            subject="Solicitação de acesso",
            html="<p>Olá <b>secretaria</b></p>",
            attachments=[("ata.pdf", "application/pdf", b"%PDF")],
        )
    )
    defense_email(COMPLETE)
    steps.run_pending()
    defense = DefenseRequest.objects.get()
    reply = outbox.outbound_compose(
        email=email,
        purpose="test",
        body_text="Olá",
        attachments=[("b.txt", "text/plain", b"b")],
    )
    violations = _violations(page)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "chefe")
    page.fill("#id_password", "senha-de-teste-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#content")
    pages = [
        "/admin/",
        f"/admin/emails/email/{email.pk}/change/",
        "/admin/emails/email/",
        "/admin/sender/outboundmessage/",
        "/admin/defesa/defenserequest/",
        "/admin/acesso/accessrequest/",
        "/admin/emails/mailbox/add/",
        f"/admin/defesa/defenserequest/{defense.pk}/change/",
        f"/admin/sender/outboundmessage/{reply.pk}/change/",
        "/admin/defesa/documenttemplate/",
    ]
    for path in pages:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        if path.startswith("/admin/emails/email/") and path.endswith("/change/"):
            # the styles moved to staff/admin.css still apply
            assert (
                page.eval_on_selector("pre.email-text", "e => getComputedStyle(e).whiteSpace")
                == "pre-wrap"
            )
        if path.startswith("/admin/defesa/defenserequest/") and path.endswith("/change/"):
            assert (
                page.eval_on_selector(".defense-review", "e => getComputedStyle(e).display")
                == "flex"
            )
            save_screenshot(page, "csp-defense-review")
    assert violations == [], "in the admin"

    page.goto(f"{live_server.url}/api/docs/")
    # The interactive docs render the operations from the schema, and run one.
    page.wait_for_selector(".opblock-tag", timeout=20_000)
    assert page.locator(".opblock").count() > 5
    operation = page.locator("#operations-emails-emails_list")
    operation.locator(".opblock-summary").click()
    operation.locator(".try-out__btn").click()
    operation.locator(".execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status")
    status.wait_for(timeout=20_000)
    assert status.inner_text().strip().startswith("200")
    assert "Solicitação de acesso" in operation.locator(".live-responses-table").inner_text()
    save_screenshot(page, "csp-api-docs")
    assert violations == [], "in the API docs"
