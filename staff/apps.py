from django.apps import AppConfig
from django.contrib import admin
from django.contrib.admin import apps as admin_apps
from django.contrib.admin.checks import check_admin_app, check_dependencies
from django.core import checks


class StaffConfig(AppConfig):
    """The people who work in mailflow: their roles (groups) and their admin home."""

    # Two AppConfig classes live here; "staff" in INSTALLED_APPS means this one.
    default = True
    name = "staff"


class StaffAdminConfig(admin_apps.SimpleAdminConfig):
    """Django's admin, with the mailflow site (a dashboard on its home page). The
    documented way to replace the default site: every @admin.register keeps working.

    The apps' admin modules are discovered by mailflow/urls.py (Django's documented use of
    SimpleAdminConfig), not when Django starts: they import every app's API and services,
    which a `manage.py` command run from cron (collect_emails) does not need. The system
    checks discover them first, so `manage.py check` still checks every ModelAdmin."""

    default = False
    default_site = "staff.sites.MailflowAdminSite"

    def ready(self) -> None:
        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(check_discovered_admin, checks.Tags.admin)


def check_discovered_admin(app_configs, **kwargs):
    admin.autodiscover()
    return check_admin_app(app_configs, **kwargs)
