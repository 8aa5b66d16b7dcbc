from django.contrib import admin

from staff import selectors
from staff.charts import weekly_bar_chart


class MailflowAdminSite(admin.AdminSite):
    """The admin with a home page that says what waits for whom (templates/admin/index.html)."""

    def index(self, request, extra_context=None):
        dashboard = selectors.dashboard_get(user=request.user)
        context = {
            "dashboard": dashboard,
            "weekly_chart": weekly_bar_chart(dashboard.weeks) if dashboard.weeks else None,
            **(extra_context or {}),
        }
        return super().index(request, extra_context=context)
