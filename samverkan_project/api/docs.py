"""The API's interactive documentation, served by the project itself: Swagger UI and ReDoc come from
drf-spectacular-sidecar's static files (pinned with the package), so no page asks another host for anything and the
docs work without internet.

Both pages keep the site's Content-Security-Policy (no inline script; settings.CONTENT_SECURITY_POLICY) and add only
what each viewer needs: Swagger UI's stylesheet draws its icons as ``data:`` images, and its start script is served
as a file of its own (drf-spectacular's split view, ``?script``); ReDoc styles itself with generated ``<style>``
elements and runs its search in a worker made from a ``blob:``."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


@method_decorator(csp_update({"img-src": ["data:"]}), name="dispatch")
class SwaggerDocsView(SpectacularSwaggerSplitView):
    template_name = "api_docs/swagger_ui.html"


@method_decorator(
    csp_update({"img-src": ["data:"], "style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]}), name="dispatch"
)
class RedocDocsView(SpectacularRedocView):
    template_name = "api_docs/redoc.html"
