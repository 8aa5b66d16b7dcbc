import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from emails import services
from emails.models import Mailbox
from emails.services import Incoming
from mailflow.audit import status_transition
from testing.mail import make_raw

pytestmark = pytest.mark.django_db


def _fill(n: int) -> None:
    mailbox = services.mailbox_manual()
    services.emails_store(
        mailbox=mailbox,
        items=[Incoming(raw=make_raw(subject=f"Pedido {i}", body="x" * 5000)) for i in range(n)],
    )


def test_changelist_query_count_does_not_grow(admin_client):
    _fill(3)
    url = reverse("admin:emails_email_changelist")
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    _fill(60)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(many) == len(few)
    # heavy columns are not loaded for the list
    list_query = next(
        q["sql"] for q in many if 'FROM "emails_email"' in q["sql"] and "LIMIT" in q["sql"]
    )
    assert '"raw"' not in list_query and '"body_text"' not in list_query


def test_changelist_shows_what_a_secretary_needs(admin_client):
    services.email_ingest(
        raw=make_raw(subject="Solicitação de acesso", from_="Ana Lima <ana@x.br>")
    )
    html = admin_client.get(reverse("admin:emails_email_changelist")).content.decode()
    assert "Solicitação de acesso" in html
    assert "Ana Lima &lt;ana@x.br&gt;" in html
    assert "Recebido" in html  # status in pt-BR


def test_filters_and_search(admin_client):
    services.email_ingest(raw=make_raw(subject="alpha", body="banca examinadora"))
    services.email_ingest(raw=make_raw(subject="beta", headers={"Precedence": "bulk"}))
    url = reverse("admin:emails_email_changelist")
    html = admin_client.get(url, {"auto_generated__exact": "1"}).content.decode()
    assert "beta" in html and "alpha" not in html
    html = admin_client.get(url, {"q": "examinadora"}).content.decode()
    assert "alpha" in html and "beta" not in html


def test_detail_sanitises_html_and_offers_downloads(admin_client):
    raw = make_raw(
        subject="HTML",
        html='<p onclick="steal()">Olá <b>banca</b></p><script>alert(1)</script>'
        '<img src="http://tracker.example/x.png"><a href="javascript:alert(1)">x</a>',
        attachments=[("../../etc/passwd", "text/plain", b"root:x")],
    )
    email, _ = services.email_ingest(raw=raw)
    response = admin_client.get(reverse("admin:emails_email_change", args=[email.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<b>banca</b>" in html
    assert "<script>alert(1)" not in html and "steal()" not in html
    assert "tracker.example" not in html and "javascript:alert" not in html
    raw_url = reverse("admin:emails_email_raw", args=[email.pk])
    assert raw_url in html
    download = admin_client.get(raw_url)
    assert download.status_code == 200 and download.content == raw
    att = email.attachments.get()
    assert "/" not in att.file.name.rsplit("/", 1)[-1]
    assert ".." not in att.file.name
    att_response = admin_client.get(
        reverse("admin:emails_email_attachment", args=[email.pk, att.pk])
    )
    assert b"".join(att_response.streaming_content) == b"root:x"
    assert "attachment" in att_response["Content-Disposition"]


def test_status_history_inline(admin_client):
    email, _ = services.email_ingest(raw=make_raw())
    status_transition(
        obj=email, status="ignored", **services.EMAIL_TRANSITIONS, actor_label="system", note="spam"
    )
    html = admin_client.get(reverse("admin:emails_email_change", args=[email.pk])).content.decode()
    assert "spam" in html


def test_kind_correction_goes_through_service(admin_client):
    email, _ = services.email_ingest(raw=make_raw())
    url = reverse("admin:emails_email_change", args=[email.pk])
    response = admin_client.post(
        url,
        {
            "kind": "acesso",
            "attachments-TOTAL_FORMS": 0,
            "attachments-INITIAL_FORMS": 0,
            "status_changes-TOTAL_FORMS": 0,
            "status_changes-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    email.refresh_from_db()
    assert email.kind == "acesso" and email.kind_confidence == 1.0
    assert email.status_changes.filter(note="tipo de pedido corrigido por admin").exists()


def test_mailbox_password_never_shown(admin_client):
    mailbox = Mailbox.objects.create(name="m", host="127.0.0.1", username="u", security="none")
    services.mailbox_set_password(mailbox=mailbox, password="super-segredo")
    html = admin_client.get(reverse("admin:emails_mailbox_change", args=[mailbox.pk])).content
    assert b"super-segredo" not in html
    assert Mailbox.objects.get().password_encrypted.encode() not in html


def test_mailbox_form_sets_password(admin_client):
    response = admin_client.post(
        reverse("admin:emails_mailbox_add"),
        {
            "name": "nova",
            "protocol": "imap",
            "active": "on",
            "host": "127.0.0.1",
            "port": "143",
            "security": "none",
            "username": "sec",
            "new_password": "abc-123",
            "folder": "INBOX",
            "after_fetch": "nothing",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    mailbox = Mailbox.objects.get(name="nova")
    assert services.mailbox_imap_config(mailbox).password == "abc-123"


def test_admin_speaks_portuguese(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "Pedidos por e-mail" in html
    assert "Caixas de correio" in html
    assert "mailflow: secretaria do PPComp" in html
    page = admin_client.get(reverse("admin:emails_mailbox_add")).content.decode()
    assert "Após uma coleta bem-sucedida" in page


def test_the_home_page_shows_the_approval_policy(admin_client, settings):
    settings.MAILFLOW_DEFENSE_APPROVAL = "automatic"
    html = admin_client.get("/admin/").content.decode()
    assert "Política de aprovação" in html
    assert "enviados quando completos" in html  # defences: automatic
    assert "o coordenador autoriza" in html  # lab accounts: the default


def test_html_nested_too_deep_is_shown_as_text_with_the_reason(admin_client):
    deep = "<div>" * 150 + "<b>Nome:</b> Fulano" + "</div>" * 150
    email, _created = services.email_ingest(raw=make_raw(body="Nome: Fulano", html=deep))
    html = admin_client.get(reverse("admin:emails_email_change", args=[email.pk])).content
    page = html.decode()
    assert "mais de 100 níveis de aninhamento" in page
    assert "Nome: Fulano" in page
    assert "<b>Nome:</b>" not in page  # never given to nh3 nor shown as HTML

    shallow = "<div><p><b>Nome:</b> Fulano</p></div>"
    email, _created = services.email_ingest(raw=make_raw(body="Nome: Fulano", html=shallow))
    page = admin_client.get(reverse("admin:emails_email_change", args=[email.pk])).content
    assert "níveis de aninhamento" not in page.decode()
    assert "<b>Nome:</b>" in page.decode()
