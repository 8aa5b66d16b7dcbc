"""Logins and passwords for lab accounts (pure Python: no Django, no SSH)."""

from __future__ import annotations

import re
import secrets
import string
import unicodedata
from collections.abc import Callable, Iterable

from mailflow.errors import DomainError

MAX_LOGIN = 32
# What useradd accepts on every distribution we know, and what a shell never interprets.
LOGIN_RE = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")
# Name particles that are not a family name ("Maria da Silva" -> maria.silva).
PARTICLES = {"da", "das", "de", "do", "dos", "e", "di", "du", "van", "von", "del", "della"}
# Accounts and groups that belong to the system or to its administrators on Debian, Ubuntu
# and the usual server packages: a request must never be able to name one of them (its
# password would be reset and mailed to whoever asked). The hosts check too (uid >= 1000
# and the same full name) before touching an existing account; this list stops the request
# before it reaches them, with a message the staff understand.
RESERVED_LOGINS = frozenset(
    {
        "root", "toor", "admin", "administrator", "administrador", "adm", "sudo", "wheel",
        "staff", "users", "nogroup", "nobody", "daemon", "bin", "sys", "sync", "games", "man",
        "lp", "mail", "news", "uucp", "proxy", "www-data", "backup", "list", "irc", "gnats",
        "operator", "halt", "shutdown", "ftp", "sshd", "messagebus", "syslog", "uuidd",
        "tcpdump", "tss", "landscape", "pollinate", "lxd", "dnsmasq", "avahi", "avahi-autoipd",
        "ntp", "chrony", "postfix", "exim", "dovecot", "dovenull", "mysql", "postgres",
        "redis", "nginx", "apache", "httpd", "tomcat", "docker", "git", "jenkins", "polkitd",
        "rtkit", "colord", "geoclue", "pulse", "saned", "lightdm", "gdm", "sddm", "usbmux",
        "kernoops", "whoopsie", "statd", "sssd", "fwupd-refresh", "cups-pk-helper", "hplip",
        "speech-dispatcher", "ubuntu", "debian", "centos", "fedora", "ec2-user", "vagrant",
        "guest", "shadow", "disk", "kmem", "dialout", "cdrom", "floppy", "audio", "video",
        "plugdev", "netdev", "input", "kvm", "render", "tty", "voice", "utmp", "src",
        "sasl", "crontab", "ssh", "ssl-cert", "systemd", "mailflow", "labadmin",
    }
)  # fmt: skip
RESERVED_PREFIXES = ("systemd-", "debian-", "nm-", "pulse-", "sys-")
# No look-alikes (0/O/o, 1/l/I) so the student can type it from the message.
PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0Oo1lI")
PASSWORD_LENGTH = 16


class InvalidName(ValueError, DomainError):
    """No usable login can be made from this name (the API answers 409 with why)."""


class ReservedLogin(InvalidName):
    """The login names a system or administrator account: never one for a student."""

    def __init__(self, login: str):
        super().__init__(f"the login {login!r} is reserved for the system")
        self.login = login


def is_reserved(login: str, also_reserved: Iterable[str] = ()) -> bool:
    login = (login or "").lower()
    reserved = RESERVED_LOGINS | {name.lower() for name in also_reserved if name}
    return login in reserved or login.startswith(RESERVED_PREFIXES)


def _ascii_words(full_name: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", full_name)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    # Apostrophes join ("D'Ávila" -> "davila"); anything else that is not a letter or a
    # digit separates words (and so can never reach a command line).
    ascii_text = re.sub(r"['’`´]", "", ascii_text)
    return [w for w in re.split(r"[^A-Za-z0-9]+", ascii_text.lower()) if w]


def base_login(full_name: str) -> str:
    """ "first.last" from a full name: accents folded, lower case, [a-z0-9._-] only, at most
    32 characters, starting with a letter."""
    words = [w for w in _ascii_words(full_name) if re.search("[a-z]", w)]
    if not words:
        raise InvalidName(f"no letters in the name {full_name!r}")
    first = words[0]
    family = [w for w in words[1:] if w not in PARTICLES]
    login = f"{first}.{family[-1]}" if family else first
    login = login.lstrip("0123456789._-")
    if len(login) > MAX_LOGIN:
        # keep the first name whole if possible, shorten the family name
        head, _, tail = login.partition(".")
        login = f"{head[:20]}.{tail}"[:MAX_LOGIN].rstrip("._-")
    if not LOGIN_RE.fullmatch(login):
        raise InvalidName(f"cannot make a valid login from {full_name!r}")
    return login


def login_for(
    full_name: str, is_taken_by_other: Callable[[str], bool], also_reserved: Iterable[str] = ()
) -> str:
    """The person's login; when another person already has it, the first free of
    login2, login3, ... (deterministic: the same records give the same answer). A name
    that gives a reserved login ("Root da ...") is refused: ReservedLogin."""
    base = validate_login(base_login(full_name), also_reserved=also_reserved)
    if not is_taken_by_other(base):
        return base
    for n in range(2, 1000):
        suffix = str(n)
        candidate = base[: MAX_LOGIN - len(suffix)].rstrip("._-") + suffix
        if not is_taken_by_other(candidate):
            return candidate
    raise InvalidName(f"no free login left for {full_name!r}")


def validate_login(login: str, *, also_reserved: Iterable[str] = ()) -> str:
    """The login when it is well formed and no system account's (`also_reserved`: the
    site's own, such as the SSH administrator); else InvalidName or ReservedLogin."""
    if not LOGIN_RE.fullmatch(login or "") or login.isdigit():
        raise InvalidName(f"invalid login {login!r}")
    if is_reserved(login, also_reserved):
        raise ReservedLogin(login)
    return login


def new_password(length: int = PASSWORD_LENGTH) -> str:
    """Cryptographically random, never derived from the name; with a lower-case letter, an
    upper-case letter and a digit."""
    if length < 12:
        raise ValueError("a lab password has at least 12 characters")
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
        ):
            return password
