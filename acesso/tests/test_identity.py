import re

import pytest

from acesso.identity import (
    PASSWORD_ALPHABET,
    InvalidName,
    ReservedLogin,
    base_login,
    login_for,
    new_password,
    validate_login,
)


@pytest.mark.parametrize(
    ("name", "login"),
    [
        ("Maria Souza", "maria.souza"),
        ("João D'Ávila", "joao.davila"),
        ("Ana Luíza da Silva e Castro", "ana.castro"),
        ("JOSÉ  dos   SANTOS", "jose.santos"),
        ("Çécilia Ñúñez", "cecilia.nunez"),
        ("Prince", "prince"),
        ("x; rm -rf /", "x.rf"),
        ("$(reboot) Silva", "reboot.silva"),
        ("Ana `id` Lima", "ana.lima"),
        ("Maria 🎓 Souza", "maria.souza"),
        ("'; DROP TABLE users; --", "drop.users"),
    ],
)
def test_login_from_name(name, login):
    assert base_login(name) == login
    assert validate_login(login) == login


def test_long_names_fit_32_characters():
    login = base_login("Maximiliano Bartholomeu " + "Wolfeschlegelsteinhausenbergerdorff" * 2)
    assert len(login) <= 32 and login.startswith("maximiliano.")
    assert re.fullmatch(r"[a-z][a-z0-9._-]*", login)


@pytest.mark.parametrize("name", ["", "   ", "🎓🎓", "12345", ";;;", "$()"])
def test_names_without_letters_are_refused(name):
    with pytest.raises(InvalidName):
        base_login(name)


def test_collision_with_another_person_gets_a_deterministic_suffix():
    taken = {"maria.souza", "maria.souza2"}
    assert login_for("Maria Souza", lambda login: login in taken) == "maria.souza3"
    assert login_for("Maria Souza", lambda login: login in taken) == "maria.souza3"
    assert login_for("Maria Souza", lambda login: False) == "maria.souza"


@pytest.mark.parametrize("bad", ["-rf", "a b", "a;b", "1abc", "ab$", "", "x" * 33, "Ana"])
def test_validate_login_refuses(bad):
    with pytest.raises(InvalidName):
        validate_login(bad)


def test_passwords_are_random_long_and_unambiguous():
    passwords = {new_password() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert len(password) >= 12
        assert set(password) <= set(PASSWORD_ALPHABET)
        assert not set(password) & set("0Oo1lI")
    with pytest.raises(ValueError):
        new_password(8)


@pytest.mark.parametrize(
    "login",
    ["root", "admin", "administrator", "daemon", "www-data", "nobody", "sshd", "postgres",
     "ubuntu", "systemd-network", "systemd-anything", "messagebus", "labadmin"],
)  # fmt: skip
def test_reserved_logins_are_refused(login):
    with pytest.raises(ReservedLogin):
        validate_login(login)


def test_the_site_administrator_is_reserved_too():
    assert validate_login("maria.souza") == "maria.souza"
    with pytest.raises(ReservedLogin):
        validate_login("labmaster", also_reserved=["labmaster"])


def test_a_display_name_cannot_make_a_system_login():
    # "Root da <evil@attacker.example>": the particle leaves "root"
    assert base_login("Root da") == "root"
    with pytest.raises(ReservedLogin):
        login_for("Root da", lambda login: False)
    with pytest.raises(ReservedLogin):
        login_for("Labmaster", lambda login: False, also_reserved=["labmaster"])
    assert login_for("Rootildo Souza", lambda login: False) == "rootildo.souza"
