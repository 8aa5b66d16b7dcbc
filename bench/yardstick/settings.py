"""Settings of the yardstick project: django-post_office alone, production-like (DEBUG off),
on the PostgreSQL database named by YARDSTICK_DATABASE_URL, sending over SMTP to
127.0.0.1:YARDSTICK_SMTP_PORT. Everything else of post_office's is its default (BATCH_SIZE
100, THREADS_PER_PROCESS 5, LOG_LEVEL 2: a Log row for every mail sent)."""

import os
from urllib.parse import urlsplit

_db = urlsplit(os.environ["YARDSTICK_DATABASE_URL"])

SECRET_KEY = "bench-only-yardstick-secret-key-0123456789abcdefghij"
DEBUG = False
ALLOWED_HOSTS: list[str] = []
INSTALLED_APPS = ["post_office"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "HOST": _db.hostname,
        "PORT": _db.port or 5432,
        "USER": _db.username or "postgres",
        "PASSWORD": _db.password or "",
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "America/Sao_Paulo"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]

EMAIL_BACKEND = "post_office.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ.get("YARDSTICK_SMTP_PORT", "25"))
POST_OFFICE = {"BACKENDS": {"default": "django.core.mail.backends.smtp.EmailBackend"}}
