from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class StaffConfig(AppConfig):
    """The people who work in mailflow: their roles (groups) and their admin home."""

    # Two AppConfig classes live here; "staff" in INSTALLED_APPS means this one.
    default = True
    name = "staff"


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the mailflow site (a dashboard on its home page). The
    documented way to replace the default site: every @admin.register keeps working."""

    default = False
    default_site = "staff.sites.MailflowAdminSite"
