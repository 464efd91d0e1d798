"""Signed agreement documents, served only to people allowed to read agreements."""

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView

from agreements.models import Agreement


class AgreementDocumentView(APIView):
    """Download an agreement's signed PDF (session or token login, view permission on agreements)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(description="The signed PDF."),
            401: None,
            403: None,
            404: None,
        }
    )
    def get(self, request, name: str):
        if not request.user.has_perm("agreements.view_agreement"):
            raise PermissionDenied
        if not Agreement.objects.filter(document=name).exists():
            raise Http404
        try:
            safe_join(settings.MEDIA_ROOT, name)
            handle = default_storage.open(name, "rb")
        except (FileNotFoundError, ValueError) as exc:  # ValueError/SuspiciousFileOperation: path escapes
            raise Http404 from exc
        return FileResponse(handle, content_type="application/pdf", filename=name.rsplit("/", 1)[-1])
