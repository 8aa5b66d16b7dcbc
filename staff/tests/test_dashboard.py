"""The admin home: what waits for whom, the mailboxes' last collection, requests per week."""

import datetime
import itertools
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from acesso.models import AccessRequest
from defesa.models import DefenseRequest
from emails.models import Email, Mailbox
from sender.models import OutboundMessage
from staff import selectors

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)
INDEX = "/admin/"


def _email(mailbox, *, status="processing", kind=None, received_at=None) -> Email:
    n = next(_seq)
    email = Email.objects.create(
        mailbox=mailbox,
        message_id=f"<m{n}@test.example>",
        raw_sha256=f"{n:064d}",
        raw=b"",
        subject=f"Pedido {n}",
        status=status,
        kind=kind,
    )
    if received_at is not None:
        Email.objects.filter(pk=email.pk).update(received_at=received_at)
    return email


def _outbound(status: str) -> OutboundMessage:
    n = next(_seq)
    return OutboundMessage.objects.create(
        purpose="reply",
        idempotency_key=f"k{n}",
        from_email="secretaria@ifes.edu.br",
        to="prof@ifes.edu.br",
        subject=f"Re: Pedido {n}",
        body_text="Prezado professor,",
        message_id=f"<o{n}@test.example>",
        status=status,
        sent_at=timezone.now() if status == "sent" else None,
    )


def _access(status: str) -> AccessRequest:
    n = next(_seq)
    return AccessRequest.objects.create(
        student_name=f"Aluno {n}",
        student_email=f"aluno{n}@ifes.edu.br",
        login=f"aluno{n}",
        status=status,
        denial_reason="não" if status == "denied" else "",
    )


@pytest.fixture
def office():
    """Some rows in each state the dashboard counts, and some it must not count."""
    imap = Mailbox.objects.create(
        name="secretaria-imap",
        host="imap.ifes.edu.br",
        username="secretaria",
        last_polled_at=datetime.datetime(2025, 10, 6, 13, 7, tzinfo=datetime.UTC),
        last_success_at=datetime.datetime(2025, 10, 6, 12, 5, tzinfo=datetime.UTC),
        last_error="[AUTHENTICATIONFAILED] Invalid credentials (Failure)",
    )
    Mailbox.objects.create(
        name="arquivo-local",
        protocol=Mailbox.Protocol.MAILDIR,
        maildir_path="/srv/maildir",
        last_polled_at=datetime.datetime(2025, 10, 6, 13, 0, tzinfo=datetime.UTC),
        last_success_at=datetime.datetime(2025, 10, 6, 13, 0, tzinfo=datetime.UTC),
    )
    Mailbox.objects.create(name="desativada", host="x", username="y", active=False)
    for status in ["awaiting_review"] * 3 + ["awaiting_data"] * 2 + ["approved", "sent"]:
        DefenseRequest.objects.create(student="Maria", status=status)
    for status in ["needs_review"] * 4 + ["done", "received"]:
        _email(imap, status=status)
    for status in ["awaiting_approval"] * 2 + ["sent", "provisioning"]:
        _access(status)
    for status in ["draft"] * 5 + ["failed"] * 2 + ["uncertain", "sent", "queued"]:
        _outbound(status)
    return imap


def _count(html: str, url: str) -> int:
    """The number shown as the link to `url` (a box's count)."""
    match = re.search(
        rf'<a href="{re.escape(url)}" class="dashboard-count[^"]*"[^>]*>(\d+)</a>', html
    )
    assert match, f"no count linking to {url}"
    return int(match.group(1))


EXPECTED = {
    "/admin/defesa/defenserequest/?status__exact=awaiting_review": 3,
    "/admin/emails/email/?status__exact=needs_review": 4,
    "/admin/acesso/accessrequest/?status__exact=awaiting_approval": 2,
    "/admin/defesa/defenserequest/?status__exact=awaiting_data": 2,
    "/admin/sender/outboundmessage/?status__exact=failed": 2,
    "/admin/sender/outboundmessage/?status__exact=uncertain": 1,
    "/admin/sender/outboundmessage/?status__exact=draft": 5,
}


def test_home_shows_what_waits_with_links_to_the_filtered_lists(admin_client, office):
    response = admin_client.get(INDEX)
    assert response.status_code == 200
    html = response.content.decode()
    for url, count in EXPECTED.items():
        assert _count(html, url) == count, url
        assert admin_client.get(url).status_code == 200  # a filter the list accepts
    boxes = [box.key for box in response.context["dashboard"].waiting]
    assert boxes == ["review", "authorisation", "data", "send-failures", "drafts"]
    for title in ["Aguardando revisão", "Aguardando autorização", "Aguardando dados"]:
        assert f"<caption>{title}</caption>" in html
    assert 'id="approval-policy"' in html  # the approval policy is still shown


def test_home_shows_each_mailbox_last_collection_and_its_error(admin_client, office):
    html = admin_client.get(INDEX).content.decode()
    row = html[html.index(f'id="mailbox-{office.pk}"') :]
    row = row[: row.index("</tr>")]
    # America/Sao_Paulo, dd/mm/aaaa HH:MM
    assert "06/10/2025 09:05" in row and "06/10/2025 10:07" in row
    assert "[AUTHENTICATIONFAILED] Invalid credentials (Failure)" in html
    assert "arquivo-local" in html and "06/10/2025 10:00" in html
    assert "desativada" not in html
    assert reverse("admin:emails_mailbox_change", args=[office.pk]) in html


def test_home_draws_the_requests_per_week_by_kind(admin_client, office):
    today = timezone.localdate()
    this_monday = today - datetime.timedelta(days=today.weekday())
    three_weeks_ago = this_monday - datetime.timedelta(weeks=3)
    tz = timezone.get_current_timezone()
    at = lambda day: datetime.datetime.combine(day, datetime.time(10), tzinfo=tz)  # noqa: E731
    for kind, day, n in [
        ("defesa", this_monday, 2),
        ("acesso", this_monday, 1),
        ("outro", three_weeks_ago, 4),
        ("defesa", this_monday - datetime.timedelta(weeks=9), 7),  # too old
    ]:
        for _ in range(n):
            _email(office, kind=kind, received_at=at(day))
    _email(office, kind=None, received_at=at(this_monday))  # not classified yet

    html = admin_client.get(INDEX).content.decode()
    svg = html[html.index('<svg class="weekly-chart"') :]
    svg = svg[: svg.index("</svg>")]
    assert svg.count("<rect ") == 8 * 3
    week = this_monday.isoformat()
    assert f'data-week="{week}" data-kind="defesa" data-count="2"' in svg
    assert f'data-week="{week}" data-kind="acesso" data-count="1"' in svg
    assert f'data-week="{three_weeks_ago.isoformat()}" data-kind="outro" data-count="4"' in svg
    assert 'data-count="7"' not in svg
    assert f"{this_monday:%d/%m}" in svg  # the week's label under its bars
    # The same numbers as text, in the table under the chart.
    table = html[html.index(f'<tr data-week="{week}">') :]
    table = table[: table.index("</tr>")]
    cells = re.findall(r'<td data-kind="(\w+)">(\d+)</td>', table)
    assert cells == [("defesa", "2"), ("acesso", "1"), ("outro", "0"), ("total", "3")]
    assert f"{this_monday:%d/%m/%Y}" in table


def test_weeks_start_on_monday_in_local_time(office):
    # Sunday 5 October 2025, 23:30 in São Paulo is already Monday in UTC.
    _email(
        office,
        kind="acesso",
        received_at=datetime.datetime(2025, 10, 6, 2, 30, tzinfo=datetime.UTC),
    )
    _email(
        office,
        kind="acesso",
        received_at=datetime.datetime(2025, 10, 6, 13, 0, tzinfo=datetime.UTC),
    )
    weeks = selectors.requests_per_week(today=datetime.date(2025, 10, 8))
    starts = [week.start for week in weeks]
    assert len(starts) == 8 and all(start.weekday() == 0 for start in starts)
    assert (starts[0], starts[-1]) == (datetime.date(2025, 8, 18), datetime.date(2025, 10, 6))
    assert weeks[-1].counts == {"defesa": 0, "acesso": 1, "outro": 0}
    assert weeks[-2].counts == {"defesa": 0, "acesso": 1, "outro": 0}


def test_a_secretaria_member_sees_the_same_dashboard(client, secretaria, office):
    client.force_login(secretaria)
    html = client.get(INDEX).content.decode()
    for url, count in EXPECTED.items():
        assert _count(html, url) == count, url
    assert "[AUTHENTICATIONFAILED]" in html
    assert '<svg class="weekly-chart"' in html


def test_only_boxes_for_models_the_user_can_view(client, office):
    user = get_user_model().objects.create_user("leitor", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_defenserequest"))
    client.force_login(user)
    response = client.get(INDEX)
    html = response.content.decode()
    assert _count(html, "/admin/defesa/defenserequest/?status__exact=awaiting_review") == 3
    assert _count(html, "/admin/defesa/defenserequest/?status__exact=awaiting_data") == 2
    assert "needs_review" not in html and "outboundmessage" not in html
    assert "accessrequest" not in html
    assert 'id="dashboard-mailboxes"' not in html and "weekly-chart" not in html
    assert [box.key for box in response.context["dashboard"].waiting] == ["review", "data"]


def test_the_number_of_queries_does_not_grow_with_the_rows(
    admin_client, client, secretaria, office, django_assert_max_num_queries
):
    for n in range(20):
        Mailbox.objects.create(name=f"extra-{n}", host="h", username="u", last_error="x")
        _email(office, status="needs_review", kind="defesa")
        _outbound("failed")
    # session, user, 4 counts (one per model), mailboxes, weeks, recent actions
    with django_assert_max_num_queries(10):
        assert admin_client.get(INDEX).status_code == 200
    client.force_login(secretaria)
    # ... and the group member's permissions (two queries, cached for the page)
    with django_assert_max_num_queries(12):
        assert client.get(INDEX).status_code == 200
