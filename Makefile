# mailflow: `make run` (trial on SQLite) and `make test` (everything the tests need).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTHON ?= python3
# Debian packages the tests drive as real servers.
TEST_DEBS := dovecot-imapd openssh-server sudo libreoffice-writer-nogui chromium

.PHONY: run test lint format bench venv system-deps migrate messages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# Installs missing test servers when we can (root on Debian); otherwise the tests that
# need them are skipped with a reason (and fail under CI=true).
system-deps:
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing) >/dev/null; \
	  else echo "Missing packages:$$missing (tests needing them will be skipped)"; fi; \
	fi
	@# The tests start their own Dovecot; a packaged one must not hold the ports or files.
	@if command -v systemctl >/dev/null && systemctl is-active -q dovecot 2>/dev/null; then systemctl stop dovecot; fi

migrate: venv
	MAILFLOW_TRIAL=1 $(PY) manage.py migrate --noinput

# The trial: SQLite under var/, the demo (logins printed once, a Maildir of sample requests,
# dry-run lab computers), then the web server and the worker together until Ctrl+C.
run: ADDRPORT ?= 127.0.0.1:8000
run: venv
	@mkdir -p var
	MAILFLOW_TRIAL=1 DEBUG=1 $(PY) manage.py migrate --noinput
	MAILFLOW_TRIAL=1 DEBUG=1 $(PY) manage.py seed_demo
	MAILFLOW_TRIAL=1 DEBUG=1 $(PY) manage.py run_trial --addrport $(ADDRPORT)

test: venv system-deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: venv
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: venv system-deps
	$(PY) bench/run.py

messages: venv
	cd emails && ../$(PY) ../manage.py makemessages -l pt_BR
	$(PY) manage.py compilemessages
