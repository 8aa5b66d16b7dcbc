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
