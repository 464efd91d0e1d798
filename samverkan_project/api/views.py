"""View pieces shared by the apps' API endpoints."""

from collections import Counter

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import status, viewsets
from rest_framework.response import Response

from samverkan_project.api.schema import DELETE_CONFLICT, DocumentedAutoSchema

# The documented answer of a delete that other records block (see ProtectedDestroyMixin).
CONFLICT_RESPONSE = DELETE_CONFLICT


# Paths whose errors the API schema documents as JSON (the signed documents are served beside the API).
JSON_ERROR_PREFIXES = ("/api/", "/documents/")


def not_found(request, exception=None):
    """Django's 404 for pages; on the API's paths its JSON error (an unknown URL, or an id the route refuses)."""
    if request.path.startswith(JSON_ERROR_PREFIXES):
        return JsonResponse({"detail": gettext("Not found.")}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def error_response(request, status_code: int, title: str, message: str) -> HttpResponse:
    """An error the project answers itself: JSON ``{"detail": …}`` on the API's paths, a short page elsewhere."""
    if request.path.startswith(JSON_ERROR_PREFIXES):
        return JsonResponse({"detail": message}, status=status_code)
    page = defaults.ERROR_PAGE_TEMPLATE % {"title": escape(title), "details": escape(message)}
    return HttpResponse(page, status=status_code)


def body_too_large(request, limit: int) -> HttpResponse:
    return error_response(
        request,
        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        gettext("Request too large"),
        gettext("The request body is too large: at most %(limit)d bytes are accepted.") % {"limit": limit},
    )


def bad_request(request, exception=None):
    """Django's 400 (a request it refuses before any view: a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many
    fields, a host not allowed) as 413 when the body was too large, and as JSON on the API's paths."""
    if isinstance(exception, RequestDataTooBig):
        return body_too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if request.path.startswith(JSON_ERROR_PREFIXES):
        return JsonResponse({"detail": gettext("The request could not be read.")}, status=status.HTTP_400_BAD_REQUEST)
    return defaults.bad_request(request, exception)


class ProtectedDestroyMixin:
    """Answer 409 with a readable message when PROTECT/RESTRICT foreign keys block a delete."""

    protected_message = _("Other records still refer to this one.")

    def destroy(self, request, *args, **kwargs):
        try:
            return super().destroy(request, *args, **kwargs)
        except (ProtectedError, RestrictedError) as exc:
            blockers = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
            blocked_by = Counter(obj._meta.label_lower for obj in blockers)
            return Response(
                {"detail": self.protected_message, "blocked_by": dict(blocked_by)},
                status=status.HTTP_409_CONFLICT,
            )


class SelectorViewSet(ProtectedDestroyMixin, viewsets.ModelViewSet):
    """A ModelViewSet reading from a selector and answering writes with the selector's row.

    Writes go through services that return a plain row; the response shows the shaped one
    (annotations, prefetches), read once more through the same selector.
    """

    schema = DocumentedAutoSchema()
    selector = None  # staticmethod returning the endpoint's queryset

    def get_queryset(self):
        return type(self).selector()

    def perform_create(self, serializer):
        serializer.save()
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_update(self, serializer):
        serializer.save()
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        # Answered through a whole serializer: a partial one leaves out the fields whose source is missing
        # (parent_name without a parent), so a PATCH answers with the same record a GET shows.
        return Response(self.get_serializer(serializer.instance).data)
