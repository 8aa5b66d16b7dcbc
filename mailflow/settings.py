"""mailflow settings: everything comes from the environment (or a .env file).

Every variable is documented in .env.example. Defaults are safe for a trial run on a
laptop (SQLite under var/, the ORM broker, DEBUG off unless asked).
"""

import importlib.util
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# The trial's files: SQLite database, secret key, media, demo mailbox, outbox (`make run`).
VAR_DIR = Path(env("MAILFLOW_VAR_DIR", default="") or BASE_DIR / "var")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG or env.bool("MAILFLOW_TRIAL", default=False):
        # Trial/dev only: a key kept in var/ so sessions survive restarts.
        from mailflow.secretkey import trial_secret_key

        SECRET_KEY = trial_secret_key(VAR_DIR)
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set (see .env.example).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin with the mailflow site (a dashboard on its home page).
    "staff.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    # drf-spectacular is not an installed app: Django would import it at every start-up.
    # Its templates are found below (TEMPLATES) and its `check --deploy` schema check is
    # mailflow.checks.api_schema_check; the schema is built when /api/schema/ is asked.
    "drf_spectacular_sidecar",
    "django_q",
    # The spine: kinds of request, the steps the workflow apps register, the sweeper and
    # the project-wide commands. Before the apps that register into it.
    "pipeline",
    "emails",
    "categorizer",
    "defesa",
    "acesso",
    "sender",
    # Roles (groups) and the admin home; after the domain apps whose models it reads.
    "staff",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mailflow.urls"

# drf-spectacular's Swagger UI templates, located without importing the package.
SPECTACULAR_TEMPLATES = (
    Path(importlib.util.find_spec("drf_spectacular").origin).parent / "templates"
)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates", SPECTACULAR_TEMPLATES],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "mailflow.wsgi.application"

# An empty variable (a copied .env.example) means the embedded default, like an absent one.
DATABASE_URL = env("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'mailflow.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
# Persistent connections (checked before reuse): django-q2's ORM broker closes obsolete
# connections before every enqueue, so with 0 each queued task costs a new connection.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, commands) share the file in a trial run.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "pt-br"
# dd/mm/aaaa and 24-hour times everywhere (mailflow/formats/pt_BR/formats.py).
FORMAT_MODULE_PATH = ["mailflow.formats"]
LANGUAGES = [("pt-br", "Português (Brasil)"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="America/Sao_Paulo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Raw messages can carry 15 MB attachments; uploads through the API too.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=50 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security: production defaults, relaxed only with DEBUG or an explicit variable.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every page (django-csp; Django 5.2 has none of its own): the
# admin, the API and its docs load scripts, styles, images and fonts only from this site,
# never inline (templates use static files), are never framed, and post forms only here.
# data: images: the icons in Swagger UI's stylesheet. With DEBUG the policy only reports
# (in the browser's console): Django's own debug pages are inline styles and scripts.
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
CONTENT_SECURITY_POLICY = None if DEBUG else _CSP
CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP if DEBUG else None
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])
if not SECURE_HSTS_PRELOAD:
    # Preloading is a one-way decision for the campus domain, left to the operator.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous request gets 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Staff, and the model permission each request needs, as in the admin.
    "DEFAULT_PERMISSION_CLASSES": ["mailflow.permissions.ModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "mailflow.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # A DomainError from a service answers 409 (or its status_code) with the reason.
    "EXCEPTION_HANDLER": "mailflow.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "mailflow API",
    "DESCRIPTION": "Requests reaching the program secretariat by email.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAdminUser"],
    # Each model's Status gets its own schema name instead of a hashed one.
    "ENUM_NAME_OVERRIDES": {
        "EmailStatusEnum": "emails.models.Email.Status",
        "EmailKindEnum": "pipeline.kinds.kind_choices",
        "OutboundStatusEnum": "sender.models.OutboundMessage.Status",
    },
}

# django-q2: the ORM broker by default (no extra service), Redis when REDIS_URL is set.
REDIS_URL = env("REDIS_URL", default="")
Q_CLUSTER = {
    "name": env("Q_CLUSTER_NAME", default="mailflow"),
    "workers": env.int("Q_WORKERS", default=2),
    # A task may run at most `timeout` seconds; it is retried after `retry` seconds,
    # so timeout < retry or a slow task would run twice at once.
    "timeout": env.int("Q_TIMEOUT", default=240),
    "retry": env.int("Q_RETRY", default=300),
    "max_attempts": env.int("Q_MAX_ATTEMPTS", default=3),
    # No flood of missed minute-jobs after downtime.
    "catch_up": False,
    "save_limit": 1000,
    "ack_failures": True,
    "label": "Tarefas",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# Logging: to stderr; never log secrets (the code never passes them to a logger).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Outgoing mail (used by the outbox; EMAIL_URL in django-environ form).
EMAIL_CONFIG = env.email_url_config(env("EMAIL_URL", default="") or "consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="secretaria@localhost")

# --- mailflow ---
# The default mailbox: IMAP_URL, or the prototype's EMAIL_HOST/EMAIL_USER/EMAIL_PASS trio.
IMAP_URL = env("IMAP_URL", default="")
IMAP_LEGACY = {
    "host": env("EMAIL_HOST", default=""),
    "user": env("EMAIL_USER", default=""),
    "password": env("EMAIL_PASS", default=""),
}
IMAP_CA_FILE = env("IMAP_CA_FILE", default="")
MAILFLOW_IMAP_TIMEOUT = env.float("MAILFLOW_IMAP_TIMEOUT", default=30.0)
MAILFLOW_IMAP_BATCH_SIZE = env.int("MAILFLOW_IMAP_BATCH_SIZE", default=200)
# A batch also ends before its messages (sizes as the server reports them) pass this many
# bytes, and the next batch is fetched ahead only when both fit in it: the bound on the
# collector's memory for the raw mail it holds.
MAILFLOW_IMAP_BATCH_BYTES = env.int("MAILFLOW_IMAP_BATCH_BYTES", default=50 * 1024 * 1024)
# A bigger message (IMAP or Maildir) is stored with its headers only, status failed and the
# reason shown; staff can fetch it in full from the admin ("Fetch anyway"). Uploads through
# the API and `ingest_eml` over this size are refused.
MAILFLOW_MAX_MESSAGE_BYTES = env.int("MAILFLOW_MAX_MESSAGE_BYTES", default=25 * 1024 * 1024)
MAILFLOW_COLLECT_INTERVAL_MINUTES = env.int("MAILFLOW_COLLECT_INTERVAL_MINUTES", default=1)
# SQLite: a collection's lease on its mailbox, renewed after every batch: a collection
# killed with its worker blocks the mailbox for at most this long. (PostgreSQL holds the
# mailbox with an advisory lock, released at once when the process dies.)
MAILFLOW_COLLECT_LOCK_SECONDS = env.int("MAILFLOW_COLLECT_LOCK_SECONDS", default=120)
# `collect_emails --idle`: seconds between two checks of a mailbox whose server has no IDLE
# (and of a Maildir mailbox); with IDLE, mail is collected as soon as the server reports it.
MAILFLOW_IDLE_POLL_SECONDS = env.int("MAILFLOW_IDLE_POLL_SECONDS", default=30)
# Fernet keys for the secrets stored in the database (mailbox passwords, a lab password
# until it was sent, an outgoing message's secrets), comma separated: the first encrypts,
# every one decrypts (to rotate: the new key first, `manage.py rotate_encryption_key`, then
# drop the old one). Required in production (system check mailflow.E001). A trial or DEBUG
# run without one gets a key kept in var/, and also reads what older versions encrypted
# with the key they derived from SECRET_KEY (mailflow/crypto.py).
MAILFLOW_ENCRYPTION_KEY = env("MAILFLOW_ENCRYPTION_KEY", default="")
if not MAILFLOW_ENCRYPTION_KEY and (DEBUG or env.bool("MAILFLOW_TRIAL", default=False)):
    from mailflow.secretkey import trial_encryption_key

    MAILFLOW_ENCRYPTION_KEY = trial_encryption_key(VAR_DIR)
MAILFLOW_PROGRAM_NAME = env(
    "MAILFLOW_PROGRAM_NAME", default="Programa de Pós-Graduação em Computação Aplicada"
)
MAILFLOW_PROGRAM_ACRONYM = env("MAILFLOW_PROGRAM_ACRONYM", default="PPComp")
MAILFLOW_INSTITUTION = env("MAILFLOW_INSTITUTION", default="Instituto Federal do Espírito Santo")
MAILFLOW_CAMPUS = env("MAILFLOW_CAMPUS", default="Campus Serra")
MAILFLOW_COORDINATOR_NAME = env("MAILFLOW_COORDINATOR_NAME", default="")
MAILFLOW_INSTITUTION_ACRONYM = env("MAILFLOW_INSTITUTION_ACRONYM", default="Ifes")
# Other names of the program's institution, as professors write them in a committee list
# (members from it are internal); the name and acronym above are always included.
MAILFLOW_INSTITUTION_ALIASES = env.list("MAILFLOW_INSTITUTION_ALIASES", default=[])
MAILFLOW_CITY = env("MAILFLOW_CITY", default="Serra")
# The degree the defence leads to, as the documents write it.
MAILFLOW_DEGREE = env("MAILFLOW_DEGREE", default="Mestre em Computação Aplicada")

# --- The outbox ---
# Attempts before a temporarily refused message (4xx, no connection) is given up.
MAILFLOW_OUTBOX_MAX_ATTEMPTS = env.int("MAILFLOW_OUTBOX_MAX_ATTEMPTS", default=5)
# First retry after this many seconds, doubling each time, at most one hour.
MAILFLOW_OUTBOX_RETRY_SECONDS = env.int("MAILFLOW_OUTBOX_RETRY_SECONDS", default=60)
# A message "sending" for longer than this was left by a dead worker: it becomes uncertain.
MAILFLOW_OUTBOX_STALE_SECONDS = env.int("MAILFLOW_OUTBOX_STALE_SECONDS", default=600)
# Messages a worker reserved but had not started are free for others after this long
# (when the worker died).
MAILFLOW_OUTBOX_RESERVATION_SECONDS = env.int("MAILFLOW_OUTBOX_RESERVATION_SECONDS", default=60)
# Messages one worker claims (and sends over one SMTP connection) at a time.
MAILFLOW_OUTBOX_BATCH_SIZE = env.int("MAILFLOW_OUTBOX_BATCH_SIZE", default=200)
# SMTP connections one delivery run may keep open side by side (threads of the worker, each
# reserving and sending messages of its own; PostgreSQL only). The extra ones open only
# when more than a hundred messages are due, and a server that refuses some (421 "too many
# connections") leaves the run with those it took. A worker killed mid-send leaves up to
# this many messages uncertain.
MAILFLOW_OUTBOX_CONNECTIONS = env.int("MAILFLOW_OUTBOX_CONNECTIONS", default=5)
if not 1 <= MAILFLOW_OUTBOX_CONNECTIONS <= 16:
    raise ImproperlyConfigured(
        f"MAILFLOW_OUTBOX_CONNECTIONS={MAILFLOW_OUTBOX_CONNECTIONS}: use 1 to 16"
    )
# Automatic messages to one recipient per hour; more are held as drafts for a person. The
# coordinator's and the chamado's addresses are exempt (the caps below still count them).
MAILFLOW_OUTBOX_HOURLY_CAP = env.int("MAILFLOW_OUTBOX_HOURLY_CAP", default=5)
# Automatic messages per hour, to anyone; more are held as drafts for a person.
MAILFLOW_OUTBOX_GLOBAL_HOURLY_CAP = env.int("MAILFLOW_OUTBOX_GLOBAL_HOURLY_CAP", default=200)
# Requests from one sender (From) answered with automatic messages per hour, whoever the
# messages go to (an authorisation request to the coordinator counts for the student who
# asked); messages for more requests are held as drafts for a person.
MAILFLOW_OUTBOX_SENDER_HOURLY_CAP = env.int("MAILFLOW_OUTBOX_SENDER_HOURLY_CAP", default=10)
# Domains mailflow may write to on its own besides the sender (From) of a request: a
# Reply-To, or an address read from the body (a student's "E-mail:") is used only when its
# domain is in this list; anything else waits as a draft for a person. Exact domains,
# comma separated (a subdomain is not included: list aluno.ifes.edu.br beside ifes.edu.br).
# Empty: the domain of DEFAULT_FROM_EMAIL.
MAILFLOW_TRUSTED_DOMAINS = env.list("MAILFLOW_TRUSTED_DOMAINS", default=[])
# Our own addresses (never answered automatically), besides DEFAULT_FROM_EMAIL and the
# mailboxes' users; comma separated.
MAILFLOW_OWN_ADDRESSES = env.list("MAILFLOW_OWN_ADDRESSES", default=[])
# Domain of the Message-IDs we generate (default: DEFAULT_FROM_EMAIL's domain).
MAILFLOW_MESSAGE_ID_DOMAIN = env("MAILFLOW_MESSAGE_ID_DOMAIN", default="")
# Folder of the case's IMAP mailbox where a copy of each sent message is stored (e.g. "Sent"
# or "INBOX.Enviados"), so the secretariat's mail client shows it; empty: no copy.
MAILFLOW_OUTBOX_SENT_FOLDER = env("MAILFLOW_OUTBOX_SENT_FOLDER", default="")
# Signature under every message.
MAILFLOW_SIGNATURE = env("MAILFLOW_SIGNATURE", default="")

# --- The categorizer ---
# At or above this probability an email goes to its kind's workflow by itself; below it
# waits in "needs review" for a person.
MAILFLOW_CLASSIFIER_THRESHOLD = env.float("MAILFLOW_CLASSIFIER_THRESHOLD", default=0.8)

# --- Lab computers (SSH) ---
# The account mailflow logs in with on every lab computer, and how. Secrets stay here.
MAILFLOW_LAB_SSH_USER = env("MAILFLOW_LAB_SSH_USER", default="")
MAILFLOW_LAB_SSH_KEY_FILE = env("MAILFLOW_LAB_SSH_KEY_FILE", default="")
MAILFLOW_LAB_SSH_PASSWORD = env("MAILFLOW_LAB_SSH_PASSWORD", default="")
MAILFLOW_LAB_USE_SUDO = env.bool("MAILFLOW_LAB_USE_SUDO", default=True)
MAILFLOW_LAB_SUDO_PASSWORD = env("MAILFLOW_LAB_SUDO_PASSWORD", default="")
MAILFLOW_LAB_SSH_TIMEOUT = env.float("MAILFLOW_LAB_SSH_TIMEOUT", default=10.0)
# Lab computers worked on at the same time.
MAILFLOW_LAB_PARALLEL = env.int("MAILFLOW_LAB_PARALLEL", default=10)
# Make the student choose a new password at the first login.
MAILFLOW_LAB_FORCE_PASSWORD_CHANGE = env.bool("MAILFLOW_LAB_FORCE_PASSWORD_CHANGE", default=False)
# The coordinator's address: authorisation requests, and a copy (without the password) of
# the credentials sent to students.
MAILFLOW_COORDINATOR_EMAIL = env("MAILFLOW_COORDINATOR_EMAIL", default="")
# Key that signs the Message-ID of every message mailflow sends (mailflow/tokens.py): the
# coordinator's answer by email counts only when it replies to the very authorisation
# request we sent. Separate from SECRET_KEY; required in production (system check
# acesso.E001); a trial or DEBUG run keeps one in var/decision_key.
MAILFLOW_DECISION_KEY = env("MAILFLOW_DECISION_KEY", default="")
if not MAILFLOW_DECISION_KEY and (DEBUG or env.bool("MAILFLOW_TRIAL", default=False)):
    from mailflow.tokens import trial_decision_key

    MAILFLOW_DECISION_KEY = trial_decision_key(VAR_DIR)
# The authserv-id of the mail server that receives the secretariat's mail from the internet
# and writes Authentication-Results (RFC 8601), e.g. "mx.ifes.edu.br". When set, an answer
# by email counts only when the topmost Authentication-Results header with this id says
# dkim=pass or dmarc=pass for the coordinator's domain. That server must remove incoming
# headers bearing its own id (RFC 8601 section 5), as Postfix/OpenDMARC/rspamd do.
MAILFLOW_AUTHSERV_ID = env("MAILFLOW_AUTHSERV_ID", default="")

# --- Approval policy: what waits for a person (mailflow/policy.py; shown in the admin) ---
# Defence documents, the chamado and the reply: "review" (a secretary approves) or "automatic".
MAILFLOW_DEFENSE_APPROVAL = env("MAILFLOW_DEFENSE_APPROVAL", default="review")
# Lab accounts: "coordinator" (the coordinator authorises) or "automatic".
MAILFLOW_ACCESS_APPROVAL = env("MAILFLOW_ACCESS_APPROVAL", default="coordinator")
# The form asking for missing defence data: "automatic" (sent at once) or "review" (a draft).
MAILFLOW_FORM_REQUEST_APPROVAL = env("MAILFLOW_FORM_REQUEST_APPROVAL", default="automatic")
# Credentials once the accounts exist: "automatic" or "review" (a draft).
MAILFLOW_CREDENTIALS_APPROVAL = env("MAILFLOW_CREDENTIALS_APPROVAL", default="automatic")
for _name, _allowed in {
    "MAILFLOW_DEFENSE_APPROVAL": ("review", "automatic"),
    "MAILFLOW_ACCESS_APPROVAL": ("coordinator", "automatic"),
    "MAILFLOW_FORM_REQUEST_APPROVAL": ("automatic", "review"),
    "MAILFLOW_CREDENTIALS_APPROVAL": ("automatic", "review"),
}.items():
    if vars()[_name] not in _allowed:
        raise ImproperlyConfigured(f"{_name}={vars()[_name]!r}: use {' or '.join(_allowed)}")
# Work in a working state (e.g. creating accounts) for longer than this was left by a
# worker that died: the sweeper takes it up again.
MAILFLOW_STUCK_SECONDS = env.int("MAILFLOW_STUCK_SECONDS", default=600)
# How often the sweeper runs (minutes).
MAILFLOW_SWEEP_MINUTES = env.int("MAILFLOW_SWEEP_MINUTES", default=3)

# --- Defences ---
# Where the chamado (the request to announce a defence, with its documents) goes.
MAILFLOW_CHAMADO_TO = env("MAILFLOW_CHAMADO_TO", default="")
# Also attach PDF copies of the documents (needs LibreOffice's soffice on the PATH).
MAILFLOW_DEFENSE_PDF = env.bool("MAILFLOW_DEFENSE_PDF", default=False)

# --- Trial run (`make run`: MAILFLOW_TRIAL=1, nothing else configured) ---
MAILFLOW_TRIAL = env.bool("MAILFLOW_TRIAL", default=False)
# The demo's local Maildir mailbox (`seed_demo`) and where the trial's outgoing mail is
# written, one <Message-ID>.eml per message.
MAILFLOW_DEMO_MAILDIR = VAR_DIR / "demo-maildir"
MAILFLOW_TRIAL_OUTBOX_DIR = VAR_DIR / "outbox"
if MAILFLOW_TRIAL:
    if not env("EMAIL_URL", default=""):
        EMAIL_BACKEND = "demo.mail.EmlOutboxBackend"
    if not env("DEFAULT_FROM_EMAIL", default=""):
        DEFAULT_FROM_EMAIL = "Secretaria PPComp <secretaria@ppcomp.example>"
    MAILFLOW_CHAMADO_TO = MAILFLOW_CHAMADO_TO or "coordenacao@ppcomp.example"
    MAILFLOW_COORDINATOR_EMAIL = MAILFLOW_COORDINATOR_EMAIL or "coordenacao@ppcomp.example"
    MAILFLOW_COORDINATOR_NAME = MAILFLOW_COORDINATOR_NAME or "Profa. Dra. Coordenadora Exemplo"
    # the demo's professors and students
    MAILFLOW_TRUSTED_DOMAINS = MAILFLOW_TRUSTED_DOMAINS or [
        "ppcomp.example",
        "ifes.example",
        "aluno.ifes.example",
    ]
