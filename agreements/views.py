"""Signed agreement documents, served only to people allowed to read agreements, always as a download."""

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView

from agreements import selectors
from samverkan_project.api.schema import ERRORS_READ

# A document opened in a browser tab after all (a link saved elsewhere) runs no script and loads nothing.
DOCUMENT_CSP = "default-src 'none'; sandbox"


class AgreementDocumentView(APIView):
    """Download an agreement's signed PDF (session or token login, view permission on agreements).

    Coordinators (change permission) also get a replaced or removed document still kept for the retention
    (``AGREEMENT_DOCUMENT_RETENTION_DAYS``), linked from the agreement's history; readers only current ones.
    """

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary=_("Download a signed agreement document"),
        description=_(
            "The signed PDF of an agreement, as an attachment; its path is the `document` value of the "
            "agreement. Needs the view permission on agreements. With the change permission, also a document "
            "the agreement's history names (replaced or removed), while it is kept."
        ),
        responses={(200, "application/pdf"): OpenApiResponse(description=_("The signed PDF.")), **ERRORS_READ},
    )
    def get(self, request, name: str):
        if not request.user.has_perm("agreements.view_agreement"):
            raise PermissionDenied
        # A NUL byte names no file, and PostgreSQL refuses it in a query (a 500, not a 404).
        if "\x00" in name or not self._may_read(request.user, name):
            raise Http404
        try:
            safe_join(settings.MEDIA_ROOT, name)
            handle = default_storage.open(name, "rb")
        except (FileNotFoundError, ValueError) as exc:  # ValueError/SuspiciousFileOperation: path escapes
            raise Http404 from exc
        response = FileResponse(
            handle, content_type="application/pdf", as_attachment=True, filename=name.rsplit("/", 1)[-1]
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = DOCUMENT_CSP
        response["Cache-Control"] = "private, no-store"
        return response

    @staticmethod
    def _may_read(user, name: str) -> bool:
        if selectors.document_is_current(name):
            return True
        return user.has_perm("agreements.change_agreement") and selectors.document_in_history(name)
