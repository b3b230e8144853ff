from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from django.views.i18n import set_language

from beneficiaries import views_overview as overview_views
from core.views import metrics_view
from org import views as org_views

# The admin carries the system's name, not Django's.
admin.site.site_header = _("Social allowance payments — Administration")
admin.site.site_title = _("Social allowance payments")
admin.site.index_title = _("System administration")


@require_safe
def favicon(request):
    """Browsers and bookmarks ask for /favicon.ico whatever the page links: send them to the
    static icon (resolved per request: production's manifest storage names it by its hash)."""
    return HttpResponsePermanentRedirect(static("img/favicon.ico"))


urlpatterns = [
    path("", overview_views.home, name="home"),
    path("dang-nhap/", org_views.LoginView.as_view(), name="login"),
    path("dang-xuat/", org_views.LogoutView.as_view(), name="logout"),
    path("ngon-ngu/", set_language, name="set_language"),
    path("favicon.ico", favicon, name="favicon"),
    path("healthz/", org_views.healthz, name="healthz"),
    # Prometheus's scrape: its token or this machine only, a 404 to everyone else.
    path("metrics", metrics_view, name="metrics"),
    path("don-vi/", org_views.unit_list, name="unit_list"),
    path("tep/<uuid:job>/", org_views.export_job, name="export_job"),
    path("tep/<uuid:job>/tien-do/", org_views.export_job_progress, name="export_job_progress"),
    path("tep/<uuid:job>/tai-ve/", org_views.export_job_download, name="export_job_download"),
    path("chinh-sach/", overview_views.policy_tables, name="policy_tables"),
    path("", include("beneficiaries.urls")),
    path("", include("payments.urls")),
    path("", include("providers.urls")),
    path("", include("reports.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]

# No static(MEDIA_URL): uploads (scanned decisions) are served only by their scoped views, as
# downloads, not even in development.
