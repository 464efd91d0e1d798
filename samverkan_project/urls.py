from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from agreements.views import AgreementDocumentView, network_page
from ops import loadtest
from samverkan_project.api.docs import RedocDocsView, SwaggerDocsView
from samverkan_project.views import healthz

admin.site.site_header = _("Samverkan")
admin.site.site_title = _("Samverkan")
admin.site.index_title = _("Register, agreements and risks")

api_v1 = [
    path("", include("stakeholders.api.urls")),
    path("", include("agreements.api.urls")),
    path("", include("assessments.api.urls")),
    path("", include("risks.api.urls")),
]

# Under /api/ (and /documents/) an unknown URL is a JSON 404 like any other API error.
handler404 = "samverkan_project.api.views.not_found"
# A body over DATA_UPLOAD_MAX_MEMORY_SIZE is 413, and Django's other refusals are JSON there too.
handler400 = "samverkan_project.api.views.bad_request"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The risk models moved from assessments to risks (issue 12): bookmarked admin pages redirect, query kept.
    re_path(
        r"^admin/assessments/(?P<model>riskflag|riskscan|reportdelivery|riskreportsubscription)/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/risks/%(model)s/%(rest)s", permanent=True, query_string=True),
    ),
    # The actor network (agreements.network): an admin page outside any one model's pages.
    path("admin/network/", admin.site.admin_view(network_page), name="admin-network"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerDocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", RedocDocsView.as_view(url_name="schema"), name="api-redoc"),
    path("api-auth/", include("rest_framework.urls")),
    path("documents/<path:name>", AgreementDocumentView.as_view(), name="agreement-document"),
    path("", include("risks.urls")),  # the calendar feed and its page
    path("", include("assessments.urls")),
    # The load test's baseline; a 404 unless LOADTEST_ENDPOINTS is set (ops/loadtest.py).
    *loadtest.urlpatterns,
]
