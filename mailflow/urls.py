from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from acesso.api import register as register_access_api
from categorizer.api import register as register_categorizer_api
from defesa.api import register as register_defense_api
from emails.api import register as register_emails_api
from mailflow.api import router
from sender.api import register as register_outbox_api

# The apps' admin modules (staff.apps.StaffAdminConfig: not when Django starts).
admin.autodiscover()

register_emails_api(router)
register_outbox_api(router)
register_categorizer_api(router)
register_access_api(router)
register_defense_api(router)

admin.site.site_header = format_lazy(
    _("mailflow: {program} secretariat"), program=settings.MAILFLOW_PROGRAM_ACRONYM
)
admin.site.site_title = "mailflow"
admin.site.index_title = _("Requests by email")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script as a file (?script): no inline script, as the
    # Content-Security-Policy wants.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="swagger-ui",
    ),
    path("api/", include(router.urls)),
]
