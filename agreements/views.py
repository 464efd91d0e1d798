"""Signed agreement documents, served only to people allowed to read agreements."""

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView

from agreements.models import Agreement
from samverkan_project.api.schema import ERRORS_READ


class AgreementDocumentView(APIView):
    """Download an agreement's signed PDF (session or token login, view permission on agreements)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary=_("Download a signed agreement document"),
        description=_(
            "The signed PDF of an agreement; its path is the `document` value of the agreement. "
            "Needs the view permission on agreements."
        ),
        responses={(200, "application/pdf"): OpenApiResponse(description=_("The signed PDF.")), **ERRORS_READ},
    )
    def get(self, request, name: str):
        if not request.user.has_perm("agreements.view_agreement"):
            raise PermissionDenied
        # A NUL byte names no file, and PostgreSQL refuses it in a query (a 500, not a 404).
        if "\x00" in name or not Agreement.objects.filter(document=name).exists():
            raise Http404
        try:
            safe_join(settings.MEDIA_ROOT, name)
            handle = default_storage.open(name, "rb")
        except (FileNotFoundError, ValueError) as exc:  # ValueError/SuspiciousFileOperation: path escapes
            raise Http404 from exc
        return FileResponse(handle, content_type="application/pdf", filename=name.rsplit("/", 1)[-1])
