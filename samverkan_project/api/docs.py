"""The API's interactive documentation, served by the project itself: Swagger UI and ReDoc come from
drf-spectacular-sidecar's static files (pinned with the package), so no page asks another host for anything and the
docs work without internet.

Both pages keep the site's Content-Security-Policy (no inline script; settings.CONTENT_SECURITY_POLICY) and add only
what each viewer needs: Swagger UI's stylesheet draws its icons as ``data:`` images, and its start script is served
as a file of its own (drf-spectacular's split view, ``?script``); ReDoc styles itself with generated ``<style>``
elements and runs its search in a worker made from a ``blob:``.

A visitor who is not logged in is sent to the admin's login page and back (``?next=``) instead of a bare 401; the
schema itself (``/api/schema/``) keeps answering API clients 401."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated


class LoginRedirectMixin:
    """A page for people: without a login, the login page (and back here after it) instead of a 401."""

    def handle_exception(self, exc):
        if isinstance(exc, (NotAuthenticated, AuthenticationFailed)):
            return redirect_to_login(self.request.get_full_path(), reverse("admin:login"))
        return super().handle_exception(exc)


@method_decorator(csp_update({"img-src": ["data:"]}), name="dispatch")
class SwaggerDocsView(LoginRedirectMixin, SpectacularSwaggerSplitView):
    template_name = "api_docs/swagger_ui.html"


@method_decorator(
    csp_update({"img-src": ["data:"], "style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]}), name="dispatch"
)
class RedocDocsView(LoginRedirectMixin, SpectacularRedocView):
    template_name = "api_docs/redoc.html"
