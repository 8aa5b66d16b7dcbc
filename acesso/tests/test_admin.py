"""The lab computers' admin: who may trust a host key, and what a new address does."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from acesso.models import AccessRequest, LabHost
from acesso.tests.test_admin_api import request_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(client):
    """The Coordenação role (staff/migrations/0001_roles.py) has change_labhost."""
    user = get_user_model().objects.create_user("coordenacao", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Coordenação"))
    assert user.has_perm("acesso.change_labhost") and not user.is_superuser
    client.force_login(user)
    return client


@pytest.fixture
def host(lab_network):
    machine = lab_network.machines[0]
    return LabHost.objects.create(name="lab-01", address=machine.address, port=machine.port)


def test_only_a_superuser_can_trust_a_host_key(coordinator, admin_client, host, lab_network):
    url = reverse("admin:acesso_labhost_changelist")
    page = coordinator.get(url).content.decode()
    assert 'value="trust_host_key"' not in page and 'value="test_connection"' in page
    coordinator.post(url, {"action": "trust_host_key", "_selected_action": [host.pk]})
    assert LabHost.objects.get(pk=host.pk).host_key == ""

    assert 'value="trust_host_key"' in admin_client.get(url).content.decode()
    admin_client.post(url, {"action": "trust_host_key", "_selected_action": [host.pk]})
    assert (
        LabHost.objects.get(pk=host.pk).host_key_fingerprint
        == lab_network.machines[0].host_key_fingerprint
    )


def _change(client, host, **data):
    form = {
        "name": host.name,
        "address": host.address,
        "port": host.port,
        "active": "on",
        **data,
    }
    return client.post(reverse("admin:acesso_labhost_change", args=[host.pk]), form)


def test_a_new_address_or_port_drops_the_pinned_key(coordinator, host, lab_network, settings):
    trusted = lab_network.machines[0].host_key_public
    LabHost.objects.filter(pk=host.pk).update(host_key=trusted)
    host.refresh_from_db()
    # a change that keeps the address keeps the key
    assert _change(coordinator, host, name="lab-01a").status_code == 302
    assert LabHost.objects.get(pk=host.pk).host_key == trusted

    other = lab_network.machines[1]
    assert _change(coordinator, host, address=other.address).status_code == 302
    host.refresh_from_db()
    assert (host.address, host.host_key) == (other.address, "")
    assert "confie de novo na chave do host" in host.last_error
    page = coordinator.get(reverse("admin:acesso_labhost_changelist")).content.decode()
    assert "ainda não confiável" in page

    # "Test connection" now refuses before logging in: no password goes to the new address
    settings.MAILFLOW_LAB_SSH_USER = "labadmin"
    settings.MAILFLOW_LAB_SSH_PASSWORD = "the-admin-password"
    response = coordinator.post(
        reverse("admin:acesso_labhost_changelist"),
        {"action": "test_connection", "_selected_action": [host.pk]},
        follow=True,
    )
    assert "não há chave do host fixada" in response.content.decode()

    LabHost.objects.filter(pk=host.pk).update(host_key=other.host_key_public)
    host.refresh_from_db()
    assert _change(coordinator, host, port=host.port + 1).status_code == 302
    assert LabHost.objects.get(pk=host.pk).host_key == ""


def test_a_reserved_login_is_refused_in_the_request_form(client):
    access = AccessRequest.objects.create(
        student_name="Root da", student_email="evil@attacker.example", login="root.x"
    )
    user = get_user_model().objects.create_user("secretaria", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Secretaria"))
    client.force_login(user)
    url = reverse("admin:acesso_accessrequest_change", args=[access.pk])
    data = request_form(student_name="Root da", student_email="evil@attacker.example", login="root")
    page = client.post(url, data)
    assert page.status_code == 200
    assert "pertence ao sistema ou aos seus administradores" in page.content.decode()
    access.refresh_from_db()
    assert access.login == "root.x"


# --- who asked, where each value was read, and what a person must check ----------------


def _secretary(client):
    user = get_user_model().objects.create_user("secretaria", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Secretaria"))
    client.force_login(user)
    return user


def test_the_page_says_who_asked_for_whom_and_marks_the_email(client):
    from acesso.tests.test_requester import FOR_NAMED_STUDENT, _open

    access = _open(FOR_NAMED_STUDENT)
    _secretary(client)
    html = client.get(reverse("admin:acesso_accessrequest_change", args=[access.pk])).content
    html = html.decode()
    assert (
        "Pedido por Roberto Calmon Vieira &lt;roberto.vieira@ifes.edu.br&gt; para Helena Duarte "
        "Prates &lt;helena.prates@aluno.ifes.edu.br&gt;"
    ) in html
    assert (
        '<mark class="value-mark to-check" data-field="student_name" title="Aluno(a) — '
        'verificar: lido de uma frase que nomeia o aluno">Helena Duarte Prates</mark>'
    ) in html
    assert (
        '<mark class="value-mark" data-field="student_email" title="E-mail do(a) aluno(a)">'
        "helena.prates@aluno.ifes.edu.br</mark>"
    ) in html
    assert html.count('<span class="check-badge">verificar</span>') == 1
    assert "lido de: uma frase que nomeia o aluno" in html
    assert "lido de: o remetente (cabeçalho De)" in html  # the requester's address
    box = html[html.index('class="checks-box"') : html.index('id="accessrequest_form"')]
    assert "Verifique antes de autorizar:" in box and "Marcar como verificado" in box
    assert "<strong>Aluno(a)</strong>: Helena Duarte Prates" in box
    for code in ("prose_named", "awaiting_approval"):
        assert code not in html


def test_a_student_asking_for_themself(client):
    from acesso.tests.test_requester import _open

    access = _open(
        "Olá, preciso de acesso aos computadores do laboratório.\n\nAtenciosamente,\nMaria Souza",
        from_="Maria Souza <maria.souza@aluno.ifes.edu.br>",
    )
    _secretary(client)
    html = client.get(reverse("admin:acesso_accessrequest_change", args=[access.pk])).content
    html = html.decode()
    assert "Pedido pelo próprio aluno" in html
    assert "Verifique antes de autorizar" not in html


def test_marking_as_checked_clears_the_marks_until_the_decision(client):
    from acesso.tests.test_requester import FOR_NAMED_STUDENT, _open

    access = _open(FOR_NAMED_STUDENT)
    secretary = _secretary(client)
    checked = reverse("admin:acesso_accessrequest_checked", args=[access.pk])
    assert client.get(checked).status_code == 405
    response = client.post(checked, follow=True)
    html = response.content.decode()
    assert "os valores a verificar foram marcados como verificados" in html
    assert "Verifique antes de autorizar" not in html
    access.refresh_from_db()
    assert access.checks == {}
    assert access.status_changes.order_by("-id").first().actor == secretary

    # after the coordinator's decision, only who may decide may say the identity is right
    later = _open(FOR_NAMED_STUDENT.replace("Helena", "Joana").replace("helena", "joana"))
    AccessRequest.objects.filter(pk=later.pk).update(status="denied", denial_reason="x")
    checked = reverse("admin:acesso_accessrequest_checked", args=[later.pk])
    page = client.get(reverse("admin:acesso_accessrequest_change", args=[later.pk]))
    assert "Verifique antes de autorizar" not in page.content.decode()
    assert client.post(checked).status_code == 403
    later.refresh_from_db()
    assert later.checks


def test_the_list_shows_requests_to_check_first_and_who_asked(client):
    from acesso.tests.test_requester import FOR_NAMED_STUDENT, _open

    marked = _open(FOR_NAMED_STUDENT)
    own = _open(
        "Olá, preciso de acesso aos computadores do laboratório.\n\nAtenciosamente,\nMaria Souza",
        from_="Maria Souza <maria.souza@aluno.ifes.edu.br>",
    )  # newer
    _secretary(client)
    response = client.get(reverse("admin:acesso_accessrequest_changelist"))
    assert [row.pk for row in response.context["cl"].result_list] == [marked.pk, own.pk]
    html = response.content.decode()
    assert "Pedido por" in html
    assert '<td class="field-requested_by">Roberto Calmon Vieira</td>' in html
    assert '<td class="field-requested_by">o próprio aluno</td>' in html
    assert '<td class="field-to_check">1</td>' in html
