"""View pieces shared by the apps' API endpoints."""

from collections import Counter

from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

CONFLICT_RESPONSE = OpenApiResponse(
    response=inline_serializer(
        "DeleteConflict",
        fields={
            "detail": serializers.CharField(),
            "blocked_by": serializers.DictField(
                child=serializers.IntegerField(), help_text=_("Referring records per model label.")
            ),
        },
    ),
    description=_("Other records still refer to this one."),
)


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

    selector = None  # staticmethod returning the endpoint's queryset

    def get_queryset(self):
        return type(self).selector()

    def perform_create(self, serializer):
        serializer.save()
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_update(self, serializer):
        serializer.save()
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)
