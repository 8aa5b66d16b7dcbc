"""The SSH client for lab computers: the one place that talks to them (paramiko).

Host keys are always checked against the key pinned for the host (RejectPolicy: a host
without one is refused). Every command is a list of arguments joined with shlex, after the
login was validated; the password only travels on chpasswd's standard input, never on a
command line. An account that already exists is reset only when the caller names it
(`resettable`: the uid and comment of an account mailflow recorded creating for the same
person, or one a superuser took over) and it is a person's (uid 1000 or more): never a
system account, the administrator's, or an account someone else made, whatever its name.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shlex
import socket
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from acesso.identity import validate_login

# paramiko (with cryptography and invoke) is imported by the functions that open a
# connection, not with this module: Django imports it when it starts (acesso's steps), and
# a `manage.py` command that never talks to a lab computer should not pay ~0.1 s for it.


class LabSshError(Exception):
    """A lab computer could not do what was asked; the message says why."""


class HostKeyNotPinned(LabSshError):
    pass


class HostKeyMismatch(LabSshError):
    pass


class AccountOfAnotherPerson(LabSshError):
    """The login exists on the computer and is not the account mailflow made for this
    person: its password must not be reset. `entry` is what the computer has."""

    def __init__(self, message: str, entry: PasswdEntry):
        super().__init__(message)
        self.entry = entry


def not_created_by_mailflow_message(host: str, login: str, uid: int) -> str:
    return _(
        "%(host)s: the account already exists and was not created by mailflow (login "
        "%(login)s, uid %(uid)s); nothing was changed on this computer"
    ) % {"host": host, "login": login, "uid": uid}


@dataclass(frozen=True)
class Resettable:
    """The existing account whose password may be reset: its uid and comment (the full
    name part of GECOS) as recorded when mailflow made it or a superuser took it over."""

    uid: int
    comment: str


@dataclass(frozen=True)
class EnsuredAccount:
    status: str  # "created" or "reset"
    uid: int
    comment: str


# Accounts below are the system's (Debian's SYS_UID_MAX is 999); nobody is 65534.
FIRST_PERSON_UID = 1000
NOT_A_PERSON_UIDS = {65534, 4294967294, 4294967295}


@dataclass(frozen=True)
class PasswdEntry:
    login: str
    uid: int
    full_name: str  # the GECOS field's first part ("Maria Souza,,," -> "Maria Souza")

    @classmethod
    def parse(cls, line: str) -> PasswdEntry | None:
        fields = line.split(":")
        if len(fields) < 7 or not fields[2].isdigit():
            return None
        return cls(login=fields[0], uid=int(fields[2]), full_name=fields[4].split(",")[0])

    @property
    def is_person(self) -> bool:
        """A person's account, not a system one."""
        return self.uid >= FIRST_PERSON_UID and self.uid not in NOT_A_PERSON_UIDS

    def is_the_account(self, resettable: Resettable | None) -> bool:
        """The very account mailflow may reset: a person's, with the recorded uid and
        comment (a login removed and made again by someone else does not match)."""
        return (
            resettable is not None
            and self.is_person
            and self.uid == resettable.uid
            and self.full_name.strip() == resettable.comment.strip()
        )


@dataclass(frozen=True)
class SshCredentials:
    user: str
    key_file: str = ""
    password: str = field(default="", repr=False)
    use_sudo: bool = True
    sudo_password: str = field(default="", repr=False)
    timeout: float = 10.0


@dataclass(frozen=True)
class Target:
    address: str
    port: int
    host_key: str  # the pinned public key line: "ssh-ed25519 AAAA..."


def fingerprint(host_key: str) -> str:
    """SHA256 fingerprint as OpenSSH prints it."""
    try:
        blob = base64.b64decode(host_key.split()[1])
    except (IndexError, ValueError):
        return ""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def read_host_key(address: str, port: int, timeout: float = 10.0) -> str:
    """The key a host presents now (for staff to compare and trust), without logging in."""
    try:
        sock = socket.create_connection((address, port), timeout=timeout)
    except OSError as exc:
        raise LabSshError(f"{address}:{port}: {exc}") from exc
    import paramiko

    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=timeout)
        key = transport.get_remote_server_key()
        return f"{key.get_name()} {key.get_base64()}"
    except paramiko.SSHException as exc:
        raise LabSshError(f"{address}:{port}: {exc}") from exc
    finally:
        transport.close()


def _known_hosts_name(address: str, port: int) -> str:
    return address if port == 22 else f"[{address}]:{port}"


def gecos(full_name: str) -> str:
    """The account's comment field: the name in plain ASCII, nothing useradd rejects."""
    decomposed = unicodedata.normalize("NFKD", full_name)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", re.sub(r"[^A-Za-z0-9 .'-]", " ", ascii_text)).strip()[:100]


class LabConnection:
    """A logged-in session with one lab computer. Use as a context manager."""

    def __init__(self, target: Target, credentials: SshCredentials):
        self.target = target
        self.credentials = credentials
        import paramiko

        self.client = paramiko.SSHClient()

    def __enter__(self) -> LabConnection:
        import paramiko

        target, creds = self.target, self.credentials
        if not target.host_key.strip():
            raise HostKeyNotPinned(
                _("%(host)s: no pinned host key; trust its fingerprint in the admin first")
                % {"host": target.address}
            )
        try:
            keytype, keydata = target.host_key.split()[:2]
            key = paramiko.PKey.from_type_string(keytype, base64.b64decode(keydata))
        except (ValueError, paramiko.SSHException) as exc:
            raise HostKeyNotPinned(
                _("%(host)s: the pinned host key is invalid") % {"host": target.address}
            ) from exc
        self.client.get_host_keys().add(
            _known_hosts_name(target.address, target.port), keytype, key
        )
        self.client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            self.client.connect(
                target.address,
                port=target.port,
                username=creds.user,
                key_filename=creds.key_file or None,
                password=creds.password or None,
                timeout=creds.timeout,
                banner_timeout=creds.timeout,
                auth_timeout=creds.timeout,
                allow_agent=False,
                look_for_keys=False,
            )
        except paramiko.BadHostKeyException as exc:
            self.client.close()
            presented = fingerprint(f"{exc.key.get_name()} {exc.key.get_base64()}")
            raise HostKeyMismatch(
                _("%(host)s: the host key changed (now %(presented)s, pinned %(pinned)s); refused")
                % {
                    "host": target.address,
                    "presented": presented,
                    "pinned": fingerprint(target.host_key),
                }
            ) from exc
        except paramiko.AuthenticationException as exc:
            self.client.close()
            raise LabSshError(
                _("%(host)s: login as %(user)s refused")
                % {"host": target.address, "user": creds.user}
            ) from exc
        except (OSError, paramiko.SSHException) as exc:
            self.client.close()
            raise LabSshError(f"{target.address}: {exc or type(exc).__name__}") from exc
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def run(self, args: list[str], stdin: str = "", admin: bool = True) -> tuple[int, str]:
        """Run a command (as root through sudo when configured); (exit status, stderr)."""
        status, _output, error = self.run_with_output(args, stdin=stdin, admin=admin)
        return status, error

    def run_with_output(
        self, args: list[str], stdin: str = "", admin: bool = True
    ) -> tuple[int, str, str]:
        """Run a command like run(); (exit status, stdout, stderr)."""
        import paramiko

        creds = self.credentials
        command = shlex.join(args)
        if admin and creds.use_sudo and creds.user != "root":
            if creds.sudo_password:
                command = "sudo -S -p '' " + command
                stdin = creds.sudo_password + "\n" + stdin
            else:
                command = "sudo -n " + command
        try:
            channel_in, channel_out, channel_err = self.client.exec_command(
                command, timeout=creds.timeout
            )
            if stdin:
                channel_in.write(stdin)
            channel_in.channel.shutdown_write()
            output = channel_out.read().decode("utf-8", "replace")
            error = channel_err.read().decode("utf-8", "replace").strip()
            status = channel_out.channel.recv_exit_status()
        except (OSError, paramiko.SSHException) as exc:
            raise LabSshError(f"{self.target.address}: {args[0]}: {exc}") from exc
        return status, output, error

    def _validated(self, login: str) -> str:
        # The administrator mailflow logs in as is never a student's account.
        return validate_login(login, also_reserved=[self.credentials.user])

    def find_account(self, login: str) -> PasswdEntry | None:
        """The account's passwd entry (`getent passwd`, local files or a directory), or
        None when the computer has no such account."""
        login = self._validated(login)
        status, output, error = self.run_with_output(["getent", "passwd", login], admin=False)
        if status == 2:  # getent: key not found
            return None
        entry = (
            PasswdEntry.parse(output.strip().splitlines()[0]) if status == 0 and output else None
        )
        if entry is None or entry.login != login:
            raise LabSshError(
                _("%(host)s: %(command)s failed: %(reason)s")
                % {
                    "host": self.target.address,
                    "command": "getent passwd",
                    "reason": error or output.strip() or status,
                }
            )
        return entry

    def account_exists(self, login: str) -> bool:
        return self.find_account(login) is not None

    def ensure_account(
        self,
        *,
        login: str,
        full_name: str,
        password: str,
        force_change: bool = False,
        resettable: Resettable | None = None,
    ) -> EnsuredAccount:
        """Create the account (home, bash) or, when it exists and is `resettable` (the
        account mailflow made for this person, or one a superuser took over), reset its
        password. Any other existing account (a system account, the administrator's, one
        made by hand even with the same name, another person's) is never touched:
        AccountOfAnotherPerson, and nothing is run on the computer."""
        login = self._validated(login)
        if any(c in password for c in ":\n\r"):
            raise LabSshError(_("the password contains a character chpasswd cannot take"))
        entry = self.find_account(login)
        if entry is not None and not entry.is_the_account(resettable):
            raise AccountOfAnotherPerson(
                not_created_by_mailflow_message(self.target.address, login, entry.uid), entry
            )
        if entry is None:
            status, error = self.run(
                [
                    "useradd",
                    "--create-home",
                    "--shell",
                    "/bin/bash",
                    "--comment",
                    gecos(full_name),
                    login,
                ]
            )
            if status != 0:
                raise LabSshError(
                    _("%(host)s: %(command)s failed: %(reason)s")
                    % {"host": self.target.address, "command": "useradd", "reason": error}
                )
            created = self.find_account(login)
            if created is None:
                raise LabSshError(
                    _("%(host)s: %(command)s failed: %(reason)s")
                    % {"host": self.target.address, "command": "useradd", "reason": login}
                )
        status, error = self.run(["chpasswd"], stdin=f"{login}:{password}\n")
        if status != 0:
            raise LabSshError(
                _("%(host)s: %(command)s failed: %(reason)s")
                % {"host": self.target.address, "command": "chpasswd", "reason": error}
            )
        if force_change:
            status, error = self.run(["chage", "--lastday", "0", login])
            if status != 0:
                raise LabSshError(
                    _("%(host)s: %(command)s failed: %(reason)s")
                    % {"host": self.target.address, "command": "chage", "reason": error}
                )
        account = entry or created
        return EnsuredAccount(
            status="reset" if entry is not None else "created",
            uid=account.uid,
            comment=account.full_name.strip(),
        )
