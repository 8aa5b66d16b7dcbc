"""The Content-Security-Policy header on the admin, the API and its docs."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def _assert_strict(response) -> None:
    policy = _policy(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'self'" and policy["form-action"] == "'self'"
    assert "unsafe" not in response["Content-Security-Policy"]


def test_admin_pages_carry_the_policy(admin_client, client):
    _assert_strict(client.get(reverse("admin:login")))
    _assert_strict(admin_client.get(reverse("admin:index")))
    _assert_strict(admin_client.get(reverse("admin:emails_email_changelist")))


def test_the_api_and_its_docs_carry_the_policy(admin_client, client):
    _assert_strict(client.get("/api/"))  # even a refusal
    response = admin_client.get("/api/emails/")
    assert response.status_code == 200
    _assert_strict(response)
    docs = admin_client.get("/api/docs/")
    assert docs.status_code == 200
    _assert_strict(docs)
    html = docs.content.decode()
    # nothing inline: the init script and the styles are files
    assert "<style" not in html and "<script>" not in html
    assert 'src="/api/docs/?script="' in html
    script = admin_client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    assert script["Content-Type"].startswith("application/javascript")


def test_admin_templates_have_no_inline_script_or_style():
    """What the policy would block: mailflow's own admin templates keep styles and scripts
    in static files."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    templates = [*root.glob("templates/**/*.html"), *root.glob("*/templates/**/*.html")]
    assert templates
    for template in templates:
        text = template.read_text()
        assert "<style" not in text, template
        assert " style=" not in text, template
        assert "<script>" not in text, template
