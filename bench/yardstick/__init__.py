"""The yardstick: django-post_office's `send_queued_mail` beside mailflow's `send_outbox`,
each a whole process over 2,000 queued messages (runner.py). post_office runs in a venv of
its own with the minimal project here (manage.py, settings.py, queue_mail.py)."""
