"""REST endpoints for organisations and people: selectors read, services write."""

from collections import Counter

from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from stakeholders import selectors
from stakeholders.api.serializers import OrganizationSerializer, PersonSerializer
from stakeholders.filters import OrganizationFilterSet, PersonFilterSet

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


@extend_schema_view(destroy=extend_schema(responses={204: None, 409: CONFLICT_RESPONSE}))
class OrganizationViewSet(ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Organisations in the register, with their place on the power/interest grid and head counts."""

    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    ordering_fields = ["name", "sector", "power", "interest", "resource_level", "created_at"]
    # The selector's annotations add a GROUP BY, which makes Django drop Meta.ordering;
    # without an explicit default order, pages would be unstable.
    ordering = ["name", "id"]
    protected_message = _(
        "This organisation still has people or sub-organisations. Move or remove them first, "
        "or mark the organisation inactive instead."
    )

    def get_queryset(self):
        return selectors.organization_list()

    def perform_create(self, serializer):
        serializer.save()
        # The service returns a plain row; answer with the annotated one (people counts).
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_update(self, serializer):
        serializer.save()
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)


@extend_schema_view(destroy=extend_schema(responses={204: None, 409: CONFLICT_RESPONSE}))
class PersonViewSet(ProtectedDestroyMixin, viewsets.ModelViewSet):
    """People in the register; a person with a leaving date today or earlier is inactive."""

    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    ordering_fields = ["last_name", "first_name", "organization__name", "left_on"]
    ordering = ["last_name", "first_name", "id"]
    protected_message = _(
        "Other records (such as agreements) still refer to this person. "
        "Set a leaving date instead of deleting."
    )

    def get_queryset(self):
        return selectors.person_list()
