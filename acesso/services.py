"""Writes of lab access: trusting lab computers, passwords, provisioning accounts.

(The request workflow around it, authorisation by the coordinator and delivery of the
credentials through the outbox, is built on these.)
"""

from __future__ import annotations

import logging
import shlex
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acesso import KIND, decisions, identity, selectors, ssh
from acesso.models import (
    AccessRequest,
    LabAccount,
    LabAccountAdoption,
    LabAccountCheck,
    LabHost,
    Provisioning,
)
from acesso.selectors import access_case_key
from emails import services as email_services
from emails.models import Email
from mailflow import crypto, policy, reading, tokens
from mailflow.audit import TransitionRules, status_note, status_transition
from mailflow.errors import DomainError
from mailflow.text import cut_words
from sender import services as outbox
from sender.selectors import case_messages

if TYPE_CHECKING:
    from acesso.extraction import Student

logger = logging.getLogger(__name__)
R = AccessRequest.Status
P = Provisioning.Status

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    R.AWAITING_APPROVAL: {R.APPROVED, R.DENIED},
    R.APPROVED: {R.PROVISIONING},
    # provisioning -> provisioning: taken up again after the worker died half-way.
    R.PROVISIONING: {R.PROVISIONED, R.PROVISIONING_FAILED, R.PROVISIONING},
    R.PROVISIONING_FAILED: {R.PROVISIONING, R.CREDENTIALS_QUEUED},
    R.PROVISIONED: {R.CREDENTIALS_QUEUED, R.PROVISIONING},
    # -> sent once the outbox has sent the credentials (access_finish)
    R.CREDENTIALS_QUEUED: {R.SENT, R.PROVISIONING},
    R.DENIED: set(),
    R.SENT: {R.PROVISIONING},
}


class AccessError(DomainError):
    """A request the lab-access workflow cannot honour; the message says why."""


NO_STUDENT_EMAIL = gettext_lazy(
    "the student's email is empty: fill it in before authorising (the credentials go there)"
)


class StudentNotNamed(identity.InvalidName):
    """The email asks for a student it never names ("minha orientanda precisa de acesso"):
    no request opens, the email waits for a person (never the writer's account)."""


class AccessPermissionDenied(AccessError):
    """The user may not do this (the API answers 403 with the message)."""

    status_code = 403


# A request changes status only through status_transition(obj=request, **ACCESS_TRANSITIONS).
ACCESS_TRANSITIONS = TransitionRules(
    allowed=ALLOWED_TRANSITIONS,
    refused=gettext_lazy("a request in status “%(current)s” cannot become “%(target)s”"),
    error=AccessError,
)


def lab_credentials() -> ssh.SshCredentials:
    if not settings.MAILFLOW_LAB_SSH_USER:
        raise AccessError(_("MAILFLOW_LAB_SSH_USER is not set: mailflow cannot log in to the lab"))
    return ssh.SshCredentials(
        user=settings.MAILFLOW_LAB_SSH_USER,
        key_file=settings.MAILFLOW_LAB_SSH_KEY_FILE,
        password=settings.MAILFLOW_LAB_SSH_PASSWORD,
        use_sudo=settings.MAILFLOW_LAB_USE_SUDO,
        sudo_password=settings.MAILFLOW_LAB_SUDO_PASSWORD,
        timeout=settings.MAILFLOW_LAB_SSH_TIMEOUT,
    )


def reserved_login_message(login: str) -> str:
    return _(
        "the login “%(login)s” belongs to the system or to its administrators and can never "
        "be a student's: choose another login"
    ) % {"login": login}


def login_validate(login: str) -> str:
    """A request's login as the lab computers may receive it: well formed, and neither a
    system account's nor the one mailflow logs in as (InvalidName, ReservedLogin)."""
    return identity.validate_login(login, also_reserved=[settings.MAILFLOW_LAB_SSH_USER])


def lab_host_trust_key(*, host: LabHost) -> str:
    """Pin the key the computer presents now (staff compared its fingerprint)."""
    key = ssh.read_host_key(host.address, host.port, settings.MAILFLOW_LAB_SSH_TIMEOUT)
    LabHost.objects.filter(pk=host.pk).update(host_key=key, last_error="")
    host.host_key = key
    return ssh.fingerprint(key)


def lab_host_save(*, host: LabHost) -> LabHost:
    """Save a lab computer (validated). A new address or port drops the pinned key and the
    last contact: the key trusted was the old machine's, and mailflow must never send its
    administrator password to a machine nobody trusted (a superuser trusts it again)."""
    host.full_clean()
    with transaction.atomic():
        before = (
            LabHost.objects.select_for_update().filter(pk=host.pk).values("address", "port").first()
            if host.pk
            else None
        )
        if before is not None and (before["address"], before["port"]) != (host.address, host.port):
            host.host_key = ""
            host.last_contact = None
            host.last_error = _("the address changed: trust the computer's host key again")
        host.save()
    return host


def lab_host_test(*, host: LabHost) -> None:
    """Log in and run `true` as root (through sudo when configured); records the contact
    or the error on the host, and raises LabSshError or AccessError when it fails."""
    if host.dry_run:
        return
    try:
        target = ssh.Target(host.address, host.port, host.host_key)
        with ssh.LabConnection(target, lab_credentials()) as lab:
            status, error = lab.run(["true"])
        if status != 0:
            raise ssh.LabSshError(
                _("%(host)s: the administrator account cannot run commands as root: %(error)s")
                % {"host": host.address, "error": error or status}
            )
    except (ssh.LabSshError, AccessError) as exc:
        LabHost.objects.filter(pk=host.pk).update(last_error=str(exc))
        raise
    LabHost.objects.filter(pk=host.pk).update(last_contact=timezone.now(), last_error="")


def access_password(*, request: AccessRequest) -> str:
    """The request's password: made once, kept encrypted, the same for every host and
    every retry, until the credentials are delivered."""
    if request.password_encrypted:
        return crypto.decrypt(request.password_encrypted)
    password = identity.new_password()
    updated = AccessRequest.objects.filter(pk=request.pk, password_encrypted="").update(
        password_encrypted=crypto.encrypt(password)
    )
    if not updated:  # made concurrently: that one is the password
        request.refresh_from_db(fields=["password_encrypted"])
        return crypto.decrypt(request.password_encrypted)
    request.password_encrypted = AccessRequest.objects.values_list(
        "password_encrypted", flat=True
    ).get(pk=request.pk)
    return password


def dry_run_commands(*, login: str, full_name: str, force_change: bool) -> str:
    """What a real host would run, with the password masked."""
    login = login_validate(login)
    lines = [
        shlex.join(["getent", "passwd", login])
        + "   # an existing account: reset only if mailflow created it for this person"
        + " (or a superuser took it over), else this computer fails",
        shlex.join(
            [
                "useradd",
                "--create-home",
                "--shell",
                "/bin/bash",
                "--comment",
                ssh.gecos(full_name),
                login,
            ]
        )
        + "   # when the account does not exist",
        shlex.join(["chpasswd"]) + f"   # stdin: {login}:********",
    ]
    if force_change:
        lines.append(shlex.join(["chage", "--lastday", "0", login]))
    return "\n".join(lines)


@dataclass
class _Outcome:
    host_id: int
    status: str
    error: str = ""
    commands: str = ""
    uid: int | None = None
    comment: str = ""
    # the account the computer has and mailflow refused to touch
    refused: ssh.PasswdEntry | None = None


def _provision_one(
    host: LabHost,
    login: str,
    name: str,
    password: str,
    force: bool,
    credentials: ssh.SshCredentials | None,
    resettable: ssh.Resettable | None = None,
) -> _Outcome:
    # Runs in a worker thread: no database access here.
    if host.dry_run:
        return _Outcome(
            host.pk,
            P.CREATED,
            commands=dry_run_commands(login=login, full_name=name, force_change=force),
        )
    try:
        target = ssh.Target(host.address, host.port, host.host_key)
        with ssh.LabConnection(target, credentials) as lab:
            result = lab.ensure_account(
                login=login,
                full_name=name,
                password=password,
                force_change=force,
                resettable=resettable,
            )
        return _Outcome(
            host.pk,
            P.CREATED if result.status == "created" else P.RESET,
            uid=result.uid,
            comment=result.comment,
        )
    except ssh.AccountOfAnotherPerson as exc:
        return _Outcome(host.pk, P.FAILED, error=str(exc), refused=exc.entry)
    except (ssh.LabSshError, ValueError) as exc:
        return _Outcome(host.pk, P.FAILED, error=str(exc))


def _person(request: AccessRequest) -> tuple[str, str]:
    """Who a request is for, as "the same person" compares it: the student's address
    (case folded) and full name (spacing and case folded), as authorised when the
    coordinator decided, else as the request says now."""
    name, email, _login = request.approved_identity() or request.identity()
    return email.strip().lower(), " ".join(name.split()).casefold()


def _same_person(recorded: AccessRequest, request: AccessRequest) -> bool:
    """Whether an account recorded for `recorded` is this request's student's: the same
    request, or the same address and the same name (one of them alone is not enough: an
    outsider can write anyone's name, and an address can be mistyped)."""
    return recorded.pk == request.pk or _person(recorded) == _person(request)


def _resettable(
    request: AccessRequest, login: str, hosts: list[LabHost]
) -> dict[int, tuple[ssh.Resettable, LabAccountAdoption | None]]:
    """Per host, the existing account mailflow may reset for this request: the one it
    created for the same person, or the one a superuser let this request take over."""
    allowed: dict[int, tuple[ssh.Resettable, LabAccountAdoption | None]] = {}
    records = LabAccount.objects.filter(host__in=hosts, login=login).select_related("request")
    for account in records:
        if _same_person(account.request, request):
            allowed[account.host_id] = (ssh.Resettable(account.uid, account.comment), None)
    for adoption in LabAccountAdoption.objects.filter(request=request, host__in=hosts, login=login):
        allowed[adoption.host_id] = (ssh.Resettable(adoption.uid, adoption.full_name), adoption)
    return allowed


def identity_changed_message() -> str:
    return _(
        "the student's name, login or email changed after the coordinator's decision: only "
        "a user who may authorise can confirm the change; nothing was done"
    )


def _require_the_approved_identity(request: AccessRequest) -> tuple[str, str, str]:
    """The identity the coordinator authorised (name, email, login); AccessError when none
    was recorded or the request now says something else (an edit that bypassed the rule)."""
    request.refresh_from_db(
        fields=[
            "student_name",
            "student_email",
            "login",
            "approved_student_name",
            "approved_student_email",
            "approved_login",
        ]
    )
    approved = request.approved_identity()
    if approved is None:
        raise AccessError(_("the request was never authorised: no account can be made for it"))
    if approved != request.identity():
        raise AccessError(identity_changed_message())
    return approved


def access_provision(
    *, request: AccessRequest, hosts: list[LabHost] | None = None, actor=None
) -> list[Provisioning]:
    """Create (or reset) the account on every active lab computer, or on `hosts` (a retry
    of the failed ones), in parallel. One result row per host; the request ends
    provisioned when every active host has the account, else provisioning_failed (also
    when the login is reserved: no host is asked, the coordinator changes the login and
    retries). Only for the identity the coordinator authorised (AccessError otherwise)."""
    name, _email, approved_login = _require_the_approved_identity(request)
    try:
        login = login_validate(approved_login)
    except identity.ReservedLogin:
        login = None
    if hosts is None:
        hosts = list(LabHost.objects.filter(active=True))
    if not hosts:
        raise AccessError(_("there is no active lab computer"))
    if login is None:
        status_transition(
            obj=request,
            status=R.PROVISIONING,
            **ACCESS_TRANSITIONS,
            actor=actor,
            note=_("login refused"),
        )
        status_transition(
            obj=request,
            status=R.PROVISIONING_FAILED,
            **ACCESS_TRANSITIONS,
            actor=actor,
            note=reserved_login_message(request.login),
        )
        return []
    credentials = lab_credentials() if any(not h.dry_run for h in hosts) else None
    password = access_password(request=request)
    status_transition(
        obj=request,
        status=R.PROVISIONING,
        **ACCESS_TRANSITIONS,
        actor=actor,
        note=", ".join(h.name for h in hosts),
    )
    attempt = (request.provisionings.aggregate(n=Max("attempt"))["n"] or 0) + 1
    started = timezone.now()
    rows = {
        h.pk: Provisioning.objects.create(
            request=request, host=h, attempt=attempt, started_at=started
        )
        for h in hosts
    }
    force = settings.MAILFLOW_LAB_FORCE_PASSWORD_CHANGE
    resettable = _resettable(request, login, hosts)
    workers = max(1, min(len(hosts), settings.MAILFLOW_LAB_PARALLEL))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(
            pool.map(
                lambda h: _provision_one(
                    h,
                    login,
                    name,
                    password,
                    force,
                    credentials,
                    resettable.get(h.pk, (None, None))[0],
                ),
                hosts,
            )
        )
    finished = timezone.now()
    by_id = {h.pk: h for h in hosts}
    for outcome in outcomes:
        row = rows[outcome.host_id]
        if outcome.refused is not None:
            outcome.error = _refusal_message(request, by_id[outcome.host_id], outcome.refused)
            _record_check(request, by_id[outcome.host_id], login, outcome.refused, finished)
        row.status, row.error, row.commands = outcome.status, outcome.error, outcome.commands
        row.finished_at = finished
        row.save(update_fields=["status", "error", "commands", "finished_at"])
        if outcome.uid is not None:
            _record_account(
                request, by_id[outcome.host_id], login, outcome, resettable.get(outcome.host_id)
            )
        if outcome.status == P.FAILED:
            LabHost.objects.filter(pk=outcome.host_id).update(last_error=outcome.error)
        else:
            LabHost.objects.filter(pk=outcome.host_id).update(last_contact=finished, last_error="")
    status_transition(
        obj=request,
        status=R.PROVISIONED if _all_active_hosts_done(request) else R.PROVISIONING_FAILED,
        **ACCESS_TRANSITIONS,
        actor=actor,
    )
    return list(rows.values())


def _refusal_message(request: AccessRequest, host: LabHost, entry: ssh.PasswdEntry) -> str:
    account = LabAccount.objects.filter(host=host, login=entry.login).first()
    if account is not None and entry.is_the_account(ssh.Resettable(account.uid, account.comment)):
        return _(
            "%(host)s: the account already exists and was created by mailflow for another "
            "person (login %(login)s, uid %(uid)s); nothing was changed on this computer"
        ) % {"host": host.address, "login": entry.login, "uid": entry.uid}
    return ssh.not_created_by_mailflow_message(host.address, entry.login, entry.uid)


def _record_account(
    request: AccessRequest,
    host: LabHost,
    login: str,
    outcome: _Outcome,
    allowed: tuple[ssh.Resettable, LabAccountAdoption | None] | None,
) -> None:
    """Remember the account mailflow made (or took over) on the computer: the only kind it
    may reset later, and only for the same person."""
    adoption = allowed[1] if allowed else None
    if outcome.status == P.CREATED or adoption is not None:
        # a new account (an old record of this login is of an account that is gone), or
        # one a superuser let this request take over: from now on it is this request's
        LabAccount.objects.update_or_create(
            host=host,
            login=login,
            defaults={
                "uid": outcome.uid,
                "comment": outcome.comment,
                "request": request,
                "adopted_by_id": adoption.adopted_by_id if adoption else None,
            },
        )


def _all_active_hosts_done(request: AccessRequest) -> bool:
    """Every active host's latest result for this request is a success."""
    for host in LabHost.objects.filter(active=True):
        latest = request.provisionings.filter(host=host).order_by("-attempt").first()
        if latest is None or latest.status not in (P.CREATED, P.RESET):
            return False
    return True


# --- which lab computers already have the login (before the coordinator decides) ----------


@dataclass
class _Lookup:
    host_id: int
    entry: ssh.PasswdEntry | None = None
    error: str = ""


def _look_up_one(host: LabHost, login: str, credentials: ssh.SshCredentials | None) -> _Lookup:
    # Runs in a worker thread: no database access here. A dry-run computer has nothing.
    if host.dry_run:
        return _Lookup(host.pk)
    try:
        if credentials is None:
            raise AccessError(
                _("MAILFLOW_LAB_SSH_USER is not set: mailflow cannot log in to the lab")
            )
        target = ssh.Target(host.address, host.port, host.host_key)
        with ssh.LabConnection(target, credentials) as lab:
            return _Lookup(host.pk, entry=lab.find_account(login))
    except (ssh.LabSshError, AccessError, ValueError) as exc:
        return _Lookup(host.pk, error=str(exc))


def _look_up_accounts(login: str) -> dict[int, _Lookup]:
    """Ask every active lab computer (in parallel, no transaction open: SSH can take
    seconds) whether it has `login`; a computer that cannot be asked says why."""
    hosts = list(LabHost.objects.filter(active=True))
    if not hosts:
        return {}
    try:
        login = login_validate(login)
        credentials = lab_credentials() if any(not h.dry_run for h in hosts) else None
    except (AccessError, ValueError) as exc:
        return {h.pk: _Lookup(h.pk, error=str(exc)) for h in hosts}
    workers = max(1, min(len(hosts), settings.MAILFLOW_LAB_PARALLEL))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = list(pool.map(lambda h: _look_up_one(h, login, credentials), hosts))
    return {lookup.host_id: lookup for lookup in found}


def _record_check(
    request: AccessRequest,
    host: LabHost,
    login: str,
    entry: ssh.PasswdEntry | None,
    at,
    error: str = "",
) -> LabAccountCheck:
    C = LabAccountCheck.Result
    if error:
        result = C.ERROR
    elif entry is None:
        result = C.ABSENT
    else:
        account = (
            LabAccount.objects.filter(host=host, login=login).select_related("request").first()
        )
        if account is not None and entry.is_the_account(
            ssh.Resettable(account.uid, account.comment)
        ):
            result = C.SAME_PERSON if _same_person(account.request, request) else C.OTHER_PERSON
        else:
            result = C.NOT_MAILFLOW
    check, _created = LabAccountCheck.objects.update_or_create(
        request=request,
        host=host,
        defaults={
            "login": login,
            "result": result,
            "uid": entry.uid if entry else None,
            "full_name": entry.full_name.strip()[:200] if entry else "",
            "error": error,
            "checked_at": at,
        },
    )
    return check


def _record_checks(request: AccessRequest, login: str, lookups: dict[int, _Lookup]) -> None:
    now = timezone.now()
    for host in LabHost.objects.filter(pk__in=lookups):
        lookup = lookups[host.pk]
        _record_check(request, host, login, lookup.entry, now, error=lookup.error)


def access_check_accounts(*, request: AccessRequest) -> list[LabAccountCheck]:
    """Which active lab computers already have the request's login, and whether mailflow
    created it for this student (on demand, from the admin). Never raises for a computer
    that cannot be asked: its row says why."""
    login = request.approved_login or request.login
    lookups = _look_up_accounts(login)
    with transaction.atomic():
        _record_checks(request, login, lookups)
    return list(request.account_checks.select_related("host"))


@transaction.atomic
def access_adopt_account(*, request: AccessRequest, host: LabHost, actor) -> LabAccountAdoption:
    """A superuser lets this request take over the existing account on one computer (the
    login and uid the last check or attempt found there): the next retry resets its
    password. Audited on the request's history."""
    if actor is None or not (actor.is_active and actor.is_superuser):
        raise AccessPermissionDenied(
            _("only a superuser can take over an existing account on a lab computer")
        )
    login = request.approved_login or request.login
    check = LabAccountCheck.objects.filter(request=request, host=host, login=login).first()
    if check is None or not check.exists or check.uid is None:
        raise AccessError(
            _("%(host)s: no existing account %(login)s was found there; check again first")
            % {"host": host, "login": login}
        )
    if check.uid < ssh.FIRST_PERSON_UID or check.uid in ssh.NOT_A_PERSON_UIDS:
        raise AccessError(
            _("%(host)s: %(login)s is a system account (uid %(uid)s): it is never taken over")
            % {"host": host, "login": login, "uid": check.uid}
        )
    adoption, _created = LabAccountAdoption.objects.update_or_create(
        request=request,
        host=host,
        defaults={
            "login": login,
            "uid": check.uid,
            "full_name": check.full_name,
            "adopted_by": actor,
        },
    )
    status_note(
        obj=request,
        actor=actor,
        note=_(
            "%(user)s allowed taking over the existing account %(login)s (uid %(uid)s) on "
            "%(host)s: the next retry resets its password"
        )
        % {"user": actor.get_username(), "login": login, "uid": check.uid, "host": host},
    )
    return adoption


IDENTITY_FIELDS = ("student_name", "student_email", "login")


@transaction.atomic
def access_identity_update(*, request: AccessRequest, changes: dict, actor) -> AccessRequest:
    """Correct the student's name, address or login. Before the coordinator's decision
    anyone who may change the request can; after it, only a user who may decide, and the
    change becomes the authorised identity (audited). Otherwise AccessPermissionDenied."""
    changes = {k: v for k, v in changes.items() if k in IDENTITY_FIELDS}
    locked = AccessRequest.objects.select_for_update().get(pk=request.pk)
    changed = {k: v for k, v in changes.items() if getattr(locked, k) != v}
    if not changed:
        return locked
    may_decide = actor is not None and actor.has_perm("acesso.decide_accessrequest")
    if locked.decided and not may_decide:
        raise AccessPermissionDenied(
            _(
                "after the coordinator's decision only a user who may authorise can change "
                "the student's name, login or email"
            )
        )
    if "login" in changed:
        try:
            login_validate(changed["login"])
        except identity.ReservedLogin as exc:
            raise AccessError(reserved_login_message(changed["login"])) from exc
    before = {k: getattr(locked, k) for k in changed}
    for field, value in changed.items():
        setattr(locked, field, value)
    locked.full_clean(exclude=["email", "decided_by"])
    update = list(changed)
    # what a person typed was checked by that person: no mark, and no span in the email
    for field in changed:
        locked.checks.pop(field, None)
        if field in locked.provenance or field != "login":
            locked.provenance[field] = {"start": None, "end": None, "rule": "staff", "check": ""}
    update += ["checks", "provenance"]
    if locked.decided:
        locked.approved_student_name = locked.student_name
        locked.approved_student_email = locked.student_email
        locked.approved_login = locked.login
        update += ["approved_student_name", "approved_student_email", "approved_login"]
    locked.save(update_fields=update)
    labels = {
        "student_name": _("student"),
        "student_email": _("student's email"),
        "login": _("login"),
    }
    status_note(
        obj=locked,
        actor=actor,
        note="; ".join(
            f"{labels[k]}: {before[k]} → {changed[k]}" for k in IDENTITY_FIELDS if k in changed
        )
        + (" " + _("(authorised identity changed)") if locked.decided else ""),
    )
    for field in [*update]:
        setattr(request, field, getattr(locked, field))
    return locked


def access_retry(*, request: AccessRequest, actor=None) -> list[Provisioning]:
    """Try again on the active hosts whose latest result failed (or that are new)."""
    failed = []
    for host in LabHost.objects.filter(active=True):
        latest = request.provisionings.filter(host=host).order_by("-attempt").first()
        if latest is None or latest.status == P.FAILED:
            failed.append(host)
    if not failed:
        raise AccessError(_("every lab computer already has the account"))
    return access_provision(request=request, hosts=failed, actor=actor)


# --- the request workflow ----------------------------------------------------------------


def access_request_open(email_id: int) -> AccessRequest | None:
    """An acesso email becomes a request awaiting the coordinator (once per email).

    The lab computers are asked first, outside any transaction (SSH can take seconds and a
    transaction would hold the email's lock, or all of SQLite, meanwhile), whether they
    already have the login the request will get. The request, what each computer said and
    the question to the coordinator are then written in one transaction, so the coordinator
    reads which computers already have that login before deciding. A computer that cannot
    be asked is recorded as such and never holds the request back."""
    login = _login_to_check(email_id)
    lookups = _look_up_accounts(login) if login else {}
    return _access_request_create(email_id, checked_login=login, lookups=lookups)


def _login_to_check(email_id: int) -> str | None:
    """The login a request for this email would get now (None: no request would open)."""

    email = Email.objects.filter(pk=email_id).first()
    if (
        email is None
        or email.status != Email.Status.RECEIVED
        or email.kind != KIND
        or AccessRequest.objects.filter(email=email).exists()
    ):
        return None
    try:
        return _student_and_login(email)[1]
    except (identity.ReservedLogin, identity.InvalidName):
        return None


def access_read(email) -> Student:
    """Who the request is for and who asked, as read from the email (acesso.extraction);
    the program's own addresses are never taken for the student's."""
    from acesso.extraction import identify_student  # its patterns: only when a request is read

    return identify_student(
        body=email.body_text,
        from_name=email.from_name,
        from_address=email.from_address,
        subject=email.subject,
        cc=email.cc,
        forwarded=email.forwarded,
        original_from_name=email.original_from_name,
        original_from_address=email.original_from_address,
        program_addresses=[
            parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
            settings.MAILFLOW_COORDINATOR_EMAIL,
        ],
    )


def _student_and_login(email):
    """Who asks (the extraction's Student) and the login made from the name (ReservedLogin,
    InvalidName)."""

    student = access_read(email)
    if not student.name.strip():
        raise StudentNotNamed(reading.check_label(student.checks.get("student_name", "")))
    login = identity.login_for(
        student.name,
        lambda candidate: (
            AccessRequest.objects.filter(login=candidate)
            .exclude(student_email__iexact=student.email)
            .exists()
        ),
        also_reserved=[settings.MAILFLOW_LAB_SSH_USER],
    )
    return student, login


@transaction.atomic
def _access_request_create(
    email_id: int, *, checked_login: str | None, lookups: dict[int, _Lookup]
) -> AccessRequest | None:

    email = Email.objects.select_for_update().get(pk=email_id)
    if email.status != Email.Status.RECEIVED or email.kind != KIND:
        return None
    existing = AccessRequest.objects.filter(email=email).first()
    if existing is not None:
        return existing
    try:
        student, login = _student_and_login(email)
    except identity.ReservedLogin as exc:
        # "Root da <evil@...>" must not become a request for root's password.
        status_transition(
            obj=email,
            status=Email.Status.NEEDS_REVIEW,
            **email_services.EMAIL_TRANSITIONS,
            actor_label="acesso",
            note=reserved_login_message(exc.login),
        )
        return None
    except identity.InvalidName as exc:
        status_transition(
            obj=email,
            status=Email.Status.NEEDS_REVIEW,
            **email_services.EMAIL_TRANSITIONS,
            actor_label="acesso",
            note=str(exc)
            if isinstance(exc, StudentNotNamed)
            else _("no login can be made from the name: %(error)s") % {"error": exc},
        )
        return None
    request = AccessRequest.objects.create(
        email=email,
        student_name=student.name,
        student_email=student.email,
        login=login,
        requester_name=cut_words(student.requester_name, 200),
        requester_email=student.requester_email[:320],
        provenance=student.provenance(),
        checks=student.checks,
    )
    note = _("student read from %(source)s") % {"source": reading.rule_label(student.source)}
    if student.checks:
        note += "; " + _("to check: %(fields)s") % {"fields": _checks_text(student.checks)}
    status_note(obj=request, from_status="", actor_label="acesso", note=note)
    if login == checked_login:  # else another request took that login meanwhile
        _record_checks(request, login, lookups)
    status_transition(
        obj=email,
        status=Email.Status.PROCESSING,
        **email_services.EMAIL_TRANSITIONS,
        actor_label="acesso",
        note=_("lab access request #%(id)d") % {"id": request.pk},
    )
    _ask_the_coordinator(request)
    return request


CHECK_FIELDS = {  # labels: gettext_lazy, read when shown
    "student_name": gettext_lazy("student"),
    "student_email": gettext_lazy("student's email"),
    "requester_name": gettext_lazy("requested by"),
    "requester_email": gettext_lazy("requester's email"),
}


def access_checked(*, request: AccessRequest, actor) -> AccessRequest:
    """A person looked at every marked value and found it right: no mark is left."""
    if request.checks:
        AccessRequest.objects.filter(pk=request.pk).update(checks={})
        status_note(
            obj=request,
            actor=actor,
            note=_("values to check were checked: %(fields)s")
            % {"fields": ", ".join(str(CHECK_FIELDS.get(f, f)) for f in request.checks)},
        )
        request.checks = {}
    return request


def _checks_text(checks: dict[str, str]) -> str:
    """'student (read from a sentence that names the student); ...' for staff."""
    return "; ".join(
        f"{CHECK_FIELDS.get(field, field)} ({reading.check_label(reason)})"
        for field, reason in checks.items()
    )


def _may_receive_credentials(request: AccessRequest) -> bool:
    """Whether the credentials may go to the student's address without a person: it is
    the sender of the request or an address of a trusted domain."""

    return outbox.may_answer_on_its_own(request.student_email, email=request.email)


def _ask_the_coordinator(request: AccessRequest) -> None:
    """An authorisation request by email: the coordinator's threaded answer decides."""

    if not settings.MAILFLOW_COORDINATOR_EMAIL or policy.is_automatic("MAILFLOW_ACCESS_APPROVAL"):
        return
    outbox.outbound_compose(
        email=request.email,
        case_key=f"access:{request.pk}",
        purpose="authorisation_request",
        template="acesso/authorisation_request.txt",
        to=settings.MAILFLOW_COORDINATOR_EMAIL,
        signed_for=_authorisation_signed_for(request),
        subject=_("Lab access: %(name)s") % {"name": request.student_name},
        context={
            "student_name": request.student_name,
            "student_email": request.student_email,
            "login": request.login,
            # which lab computers already have the login (checked when the request opened)
            "existing_accounts": [c for c in selectors.existing_accounts(request) if c.exists],
            "unchecked_hosts": [c for c in selectors.existing_accounts(request) if not c.exists],
            # credentials to an address the request did not come from wait for staff
            "untrusted_address": not _may_receive_credentials(request),
        },
        queue=True,
    )


def access_advance(*, request: AccessRequest) -> AccessRequest:
    """Go as far as the policy allows: approve a waiting request when approval is
    automatic, and carry on a request a dead worker left half-way (no status change for
    MAILFLOW_STUCK_SECONDS)."""
    if request.status == R.AWAITING_APPROVAL:
        # a value read from prose (or a guess) waits for a person whatever the policy
        if policy.is_automatic("MAILFLOW_ACCESS_APPROVAL") and not request.checks:
            return access_approve(request=request, actor=None, actor_label="policy")
        return request
    if not selectors.request_stuck(request):
        return request
    return access_resume(request=request)


def access_resume(*, request: AccessRequest) -> AccessRequest:
    """Carry on a request a dead worker left half-way: authorised but no account yet,
    accounts half made, or made but the credentials not queued."""
    if request.status == R.APPROVED:
        access_provision(request=request)
    elif request.status == R.PROVISIONING:
        hosts = _hosts_without_account(request)
        if hosts:
            access_provision(request=request, hosts=hosts)
        else:
            status_transition(
                obj=request, status=R.PROVISIONED, **ACCESS_TRANSITIONS, actor_label="sweeper"
            )
    request.refresh_from_db()
    if request.status == R.PROVISIONED:
        access_send_credentials(request=request)
    return request


def _hosts_without_account(request: AccessRequest) -> list[LabHost]:
    missing = []
    for host in LabHost.objects.filter(active=True):
        latest = request.provisionings.filter(host=host).order_by("-attempt").first()
        if latest is None or latest.status not in (P.CREATED, P.RESET):
            missing.append(host)
    return missing


def _authorisation_request_key(request: AccessRequest) -> str:
    """The outbox's key of the authorisation request."""
    return f"access:{request.pk}:authorisation_request"


def _authorisation_signed_for(request: AccessRequest) -> str:
    """What the authorisation request's Message-ID is signed for: the request and the
    identity the coordinator was shown. A change of name, address or login afterwards (a
    correction before the decision) makes an answer by email no longer count: the
    coordinator said yes to someone else."""
    identity = "\n".join([request.student_name, request.student_email.lower(), request.login])
    return f"{_authorisation_request_key(request)}\n{identity}"


def access_decide_by_email(email_id: int) -> None:
    """The coordinator's threaded answer: "Autorizado" approves, "Negado: <reason>" denies,
    when it passes every check of acesso/decisions.py. Anything else waits for a person in
    the admin, with a note saying why it did not count."""

    email = Email.objects.get(pk=email_id)
    if email.status != Email.Status.RECEIVED:
        return
    request = AccessRequest.objects.filter(
        email_id=email.case_id, status=R.AWAITING_APPROVAL
    ).first()
    if request is None:
        return
    asked = (
        case_messages([f"access:{request.pk}"], ["authorisation_request"])
        .values_list("message_id", flat=True)
        .first()
    )
    signed_for = _authorisation_signed_for(request)
    if asked and tokens.key_configured() and not tokens.verifies(asked, signed_for=signed_for):
        verdict = decisions.Verdict(
            note=_(
                "not counted as a decision: the student's name, email or login changed after "
                "the authorisation request was sent; decide in the admin"
            )
        )
    else:
        verdict = decisions.read(email=email, asked_message_id=asked or "", signed_for=signed_for)
    if verdict.decision == decisions.APPROVE and not request.student_email:
        outcome, note = Email.Status.NEEDS_REVIEW, str(NO_STUDENT_EMAIL)
    elif verdict.decision == decisions.APPROVE:
        access_approve(request=request, actor=None, actor_label=email.from_address)
        outcome, note = Email.Status.DONE, _("authorised by email")
    elif verdict.decision == decisions.DENY:
        access_deny(
            request=request, actor=None, reason=verdict.reason, actor_label=email.from_address
        )
        outcome, note = Email.Status.DONE, _("denied by email")
    else:
        outcome, note = Email.Status.NEEDS_REVIEW, verdict.note
    status_transition(
        obj=email,
        status=outcome,
        **email_services.EMAIL_TRANSITIONS,
        actor_label="acesso",
        note=note,
    )


def access_approve(*, request: AccessRequest, actor, actor_label: str = "") -> AccessRequest:
    """The coordinator authorises: accounts are created on every active lab computer and,
    when all succeeded, the credentials go to the student."""
    if not request.student_email:
        raise AccessError(NO_STUDENT_EMAIL)
    status_transition(
        obj=request,
        status=R.APPROVED,
        **ACCESS_TRANSITIONS,
        actor=actor,
        actor_label=actor_label,
        note=_("authorised"),
        fields={
            "decided_by": actor,
            "decided_at": timezone.now(),
            "approved_student_name": F("student_name"),
            "approved_student_email": F("student_email"),
            "approved_login": F("login"),
        },
    )
    access_provision(request=request, actor=actor)
    request.refresh_from_db()
    if request.status == R.PROVISIONED:
        access_send_credentials(request=request, actor=actor)
    return request


@transaction.atomic
def access_deny(
    *, request: AccessRequest, actor, reason: str, actor_label: str = ""
) -> AccessRequest:
    """The coordinator says no; the reason goes to the student."""

    reason = (reason or "").strip()
    if not reason:
        raise AccessError(_("a denial needs a reason: it is sent to the student"))
    # the reason with the status: the database refuses a denial without one
    status_transition(
        obj=request,
        status=R.DENIED,
        **ACCESS_TRANSITIONS,
        actor=actor,
        actor_label=actor_label,
        note=reason,
        fields={"decided_by": actor, "decided_at": timezone.now(), "denial_reason": reason},
    )
    # to the student's address as recorded: when it is not the sender of the request nor
    # in a trusted domain, the outbox holds it as a draft, with why, for a person
    denial = outbox.outbound_compose(
        email=request.email,
        case_key=f"access:{request.pk}",
        purpose="denial",
        template="acesso/denial.txt",
        to=request.student_email,
        context={"student_name": request.student_name, "reason": reason},
        queue=True,
    )
    held = denial.status == denial.Status.DRAFT and denial.held_reason
    if held:
        status_note(
            obj=request,
            actor_label="outbox",
            note=_("the denial waits in the outbox for a person: %(why)s")
            % {"why": denial.held_reason},
        )
    # the decision is made either way; the email's history says whether the answer left
    _close_case(request, _("denial held in the outbox") if held else _("denial sent"))
    return request


def access_send_anyway(*, request: AccessRequest, actor) -> None:
    """Some lab computers failed: send the credentials for those that worked."""
    if request.status != R.PROVISIONING_FAILED:
        raise AccessError(_("only a request whose account creation failed can be sent anyway"))
    _require_the_approved_identity(request)
    if not request.provisionings.filter(status__in=[P.CREATED, P.RESET]).exists():
        raise AccessError(_("no lab computer has the account yet: nothing to send"))
    access_send_credentials(request=request, actor=actor)


def _close_case(request: AccessRequest, note: str) -> None:
    """The originating email's case is finished once the student has the answer."""

    if request.email_id is None:
        return
    email = Email.objects.get(pk=request.email_id)
    if email.status == Email.Status.PROCESSING:
        status_transition(
            obj=email,
            status=Email.Status.DONE,
            **email_services.EMAIL_TRANSITIONS,
            actor_label="acesso",
            note=note,
        )


@transaction.atomic
def access_send_credentials(*, request: AccessRequest, actor=None) -> None:
    """Credentials to the student through the outbox (the password travels encrypted
    with the message until it is sent), a copy without it to the coordinator. The request
    keeps no password afterwards once every active lab computer has the account; after a
    partial send ("send anyway") it keeps it, encrypted, so that a retry on the computers
    that failed sets the password the student already got."""

    _require_the_approved_identity(request)  # only to the identity the coordinator authorised
    password = access_password(request=request)
    hosts = ", ".join(
        request.provisionings.filter(status__in=[P.CREATED, P.RESET])
        .values_list("host__name", flat=True)
        .distinct()
    )
    context = {
        "student_name": request.student_name,
        "login": request.login,
        "hosts": hosts,
        "force_change": settings.MAILFLOW_LAB_FORCE_PASSWORD_CHANGE,
    }
    # to the student's address as recorded (from the body, a forward or the sender): when
    # it is not the sender of the request nor in a trusted domain, the outbox holds the
    # credentials as a draft, with why, until a person checks the address
    credentials = outbox.outbound_compose(
        email=request.email,
        case_key=f"access:{request.pk}",
        purpose="credentials",
        template="acesso/credentials.txt",
        to=request.student_email,
        context=context,
        secrets={"password": password},
        queue=policy.is_automatic("MAILFLOW_CREDENTIALS_APPROVAL"),
    )
    if settings.MAILFLOW_COORDINATOR_EMAIL:
        outbox.outbound_compose(
            email=request.email,
            case_key=f"access:{request.pk}",
            purpose="credentials_copy",
            template="acesso/credentials_copy.txt",
            to=settings.MAILFLOW_COORDINATOR_EMAIL,
            context=context,
            queue=True,
        )
    if _all_active_hosts_done(request):
        AccessRequest.objects.filter(pk=request.pk).update(password_encrypted="")
        request.password_encrypted = ""
    note = _("credentials for %(to)s in the outbox") % {"to": request.student_email}
    if credentials.status == credentials.Status.DRAFT and credentials.held_reason:
        note = _("credentials for %(to)s wait in the outbox for a person: %(why)s") % {
            "to": request.student_email,
            "why": credentials.held_reason,
        }
    status_transition(
        obj=request, status=R.CREDENTIALS_QUEUED, **ACCESS_TRANSITIONS, actor=actor, note=note
    )
    # already sent (this is a second send after a retry on the computers that had failed)
    if access_finish(request.pk) is not None:
        request.refresh_from_db()


def access_finish(request_id: int) -> AccessRequest | None:
    """The credentials left: the request is answered and its email done."""
    with transaction.atomic():
        request = AccessRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None or request.status != R.CREDENTIALS_QUEUED:
            return None
        if not case_messages([access_case_key(request.pk)], ["credentials"], sent=True).exists():
            return None
        status_transition(
            obj=request,
            status=R.SENT,
            **ACCESS_TRANSITIONS,
            actor_label="outbox",
            note=_("credentials sent to %(to)s") % {"to": request.student_email},
        )
        _close_case(request, _("credentials sent"))
    return request
