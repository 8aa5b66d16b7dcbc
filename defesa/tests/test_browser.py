"""A secretary reviews and approves a defence in a real browser (Chromium + Playwright)."""

import importlib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from defesa.models import DefenseRequest
from defesa.tests.factories import COMPLETE, PROFESSOR_ADDRESS, defense_email
from pipeline import steps
from sender import delivery
from testing.browser import artifacts_dir, save_screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def ensure_roles() -> None:
    """The groups the staff migration creates: a transactional test before this one may
    have emptied the tables (Django flushes them after each such test)."""
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("staff.migrations.0001_roles")
    migration.create_roles(apps, SimpleNamespace(connection=connection))


def staff_user(username: str, group: str):
    ensure_roles()
    user = get_user_model().objects.create_user(
        username, password="senha-de-teste-123", is_staff=True, first_name=username.title()
    )
    user.groups.add(Group.objects.get(name=group))
    return user


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "senha-de-teste-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#content")


def test_secretary_corrects_regenerates_approves_and_sees_the_reply_sent(
    page, live_server, smtp_settings
):
    email = defense_email(COMPLETE)
    steps.run_pending()
    defense = DefenseRequest.objects.get(email=email)
    assert defense.status == "awaiting_review"
    staff_user("secretaria", "Secretaria")

    log_in(page, live_server, "secretaria")
    review = page.locator("#waiting-review")
    assert "aguardando revisão" in review.inner_text().lower()
    waiting = review.locator("a.dashboard-count[data-model='defesa.defenserequest']")
    assert waiting.inner_text() == "1"
    save_screenshot(page, "dashboard")
    waiting.click()
    page.click("text=Maria Souza")
    page.wait_for_selector("text=E-mail original")
    assert "Seguem os dados da defesa" in page.inner_text(".defense-email")
    save_screenshot(page, "defence-review")

    member = page.locator("input[value='Carlos Pereira']")
    member.fill("Carlos Alberto Pereira")
    page.click("input[name=_regenerate]")
    page.wait_for_selector(".messagelist")
    assert "documentos gerados" in page.inner_text(".messagelist")
    page.click("input[name=_approve]")
    page.wait_for_selector(".messagelist")
    assert "aprovada" in page.inner_text(".messagelist")

    # The worker's job: deliver what was approved.
    assert delivery.outbox_send_due().sent == 2
    page.goto(f"{live_server.url}/admin/sender/outboundmessage/?purpose__exact=documents")
    row = page.locator("#result_list tbody tr").first
    assert PROFESSOR_ADDRESS in row.inner_text() and "Enviada" in row.inner_text()
    save_screenshot(page, "outbox")
    defense.refresh_from_db()
    assert defense.status == "approved"
    assert defense.members.get(role="external").name == "Carlos Alberto Pereira"
    assert (artifacts_dir() / "defence-review.png").exists()


PROSE = (
    "Peço o agendamento da defesa da minha orientanda Maria Souza. A dissertação, intitulada "
    "Detecção de anomalias em redes, será defendida no dia 15 de outubro de 2025, às 14 "
    "horas, na sala 207. A banca contará comigo na presidência, com a colega Ana Lima Reis, "
    "do programa, e com o professor Carlos Pereira Dias, da UFES."
)
LIT = "rgb(255, 179, 0)"  # mark.value-mark.is-lit in staff/admin.css


def _background(page, selector: str) -> str:
    return page.eval_on_selector(selector, "e => getComputedStyle(e).backgroundColor")


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_a_secretary_sees_where_each_value_was_read_at_1366x768(browser, live_server):
    from acesso.tests.test_requester import FOR_NAMED_STUDENT
    from acesso.tests.test_requester import _open as open_access
    from mailflow.tests.test_browser_csp import _violations

    email = defense_email(PROSE)
    steps.run_pending()
    defense = DefenseRequest.objects.get(email=email)
    assert defense.checks
    access = open_access(FOR_NAMED_STUDENT)
    staff_user("secretaria", "Secretaria")
    context = browser.new_context(locale="pt-BR", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        violations = _violations(page)
        log_in(page, live_server, "secretaria")
        page.goto(f"{live_server.url}/admin/defesa/defenserequest/{defense.pk}/change/")
        page.wait_for_load_state("networkidle")
        title = "mark[data-field='title']"
        assert page.inner_text(title) == "Detecção de anomalias em redes"
        assert page.get_attribute(title, "title") == (
            "Título — verificar: lido de uma frase, não de um campo rotulado"
        )
        assert "Verifique antes de aprovar:" in page.inner_text(".checks-box")
        assert "lido de: uma frase" in page.inner_text(".form-row.field-title")
        assert "verificar" in page.inner_text(".form-row.field-title .check-badge")
        assert _no_horizontal_scroll(page)
        save_screenshot(page, "defence-review-marks")

        # hovering the title's row lights its mark in the email; leaving puts it out
        resting = _background(page, title)
        page.hover(".form-row.field-title label")
        page.wait_for_function(
            f'() => getComputedStyle(document.querySelector("{title}")).backgroundColor'
            f" === '{LIT}'"
        )
        assert _background(page, title) != resting
        # a committee member's row lights that member's name
        member = "mark[data-field='member:2']"
        assert page.inner_text(member) == "Carlos Pereira Dias"
        page.hover("#members-2 td.field-source")
        page.wait_for_function(
            f'() => getComputedStyle(document.querySelector("{member}")).backgroundColor'
            f" === '{LIT}'"
        )
        assert _background(page, title) != LIT

        page.click(".checks-box input[type=submit]")
        page.wait_for_selector(".messagelist")
        assert "marcados como verificados" in page.inner_text(".messagelist")
        assert page.locator(".checks-box").count() == 0
        assert page.locator(".check-badge").count() == 0

        for path in [
            "/admin/defesa/defenserequest/",
            f"/admin/acesso/accessrequest/{access.pk}/change/",
            "/admin/acesso/accessrequest/",
        ]:
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            assert _no_horizontal_scroll(page), path
        page.goto(f"{live_server.url}/admin/acesso/accessrequest/{access.pk}/change/")
        assert "Pedido por Roberto Calmon Vieira" in page.inner_text(".requested-by")
        student = "mark[data-field='student_name']"
        page.hover(".form-row.field-student_name label")
        page.wait_for_function(
            f'() => getComputedStyle(document.querySelector("{student}")).backgroundColor'
            f" === '{LIT}'"
        )
        save_screenshot(page, "access-review-marks")
        assert violations == []
    finally:
        context.close()
