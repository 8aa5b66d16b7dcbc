"""Test settings: the production module, with only what a test run must change."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
# Production requires a key of its own for stored secrets (check mailflow.E010).
os.environ.setdefault("MAILFLOW_ENCRYPTION_KEY", "dGVzdC1vbmx5LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24=")

from mailflow.settings import *  # noqa: F403
from mailflow.settings import EMAIL_BACKEND, VAR_DIR

# The test client speaks plain HTTP.
SECURE_SSL_REDIRECT = False
# Hashing dominates user-creating tests; the algorithm is not what they test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media"
# Signs our Message-IDs (mailflow/tokens.py); production reads it from the environment.
MAILFLOW_DECISION_KEY = MAILFLOW_DECISION_KEY or "test-only-decision-key-0123456789abcdef"  # noqa: F405
# Commands a test runs in a subprocess keep what they would send in memory (as pytest does
# in its own process), unless the test gives them an SMTP server.
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
