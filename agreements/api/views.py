"""REST endpoints for agreements and their parts: selectors read, services write."""

from functools import cached_property

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.reverse import reverse

from agreements import selectors, services
from agreements.api.serializers import (
    AgreementInputSerializer,
    AgreementRenewSerializer,
    AgreementSerializer,
    AgreementTerminateSerializer,
    AnchoringSerializer,
    CommitmentSerializer,
    HandOverSummarySerializer,
    PartySerializer,
    PersonHandOverSerializer,
    RepresentativeSerializer,
    ResponsibilitySerializer,
)
from agreements.filters import (
    AgreementFilterSet,
    AnchoringFilterSet,
    CommitmentFilterSet,
    PartyFilterSet,
    RepresentativeFilterSet,
    ResponsibilityFilterSet,
)
from agreements.models import Agreement
from samverkan_project.api.views import CONFLICT_RESPONSE, ProtectedDestroyMixin
from samverkan_project.api.views import SelectorViewSet as BaseSelectorViewSet
from stakeholders.models import Person

VALIDATION_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description=_("Refused: messages per field, or under non_field_errors for the record as a whole."),
)
DELETE_RESPONSES = {204: None, 409: CONFLICT_RESPONSE}


def requires(*permissions: str) -> type[BasePermission]:
    """A permission class: an authenticated user holding every one of ``permissions``."""

    class Required(BasePermission):
        def has_permission(self, request, view) -> bool:
            user = request.user
            return bool(user and user.is_authenticated and user.has_perms(permissions))

    Required.__name__ = Required.__qualname__ = "Requires_" + "_".join(p.replace(".", "_") for p in permissions)
    return Required


class OrganizationTreeMixin:
    """One organisation tree per request, shared by every row's anchoring status."""

    @cached_property
    def organization_tree(self) -> selectors.OrganizationTree:
        return selectors.OrganizationTree()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "organization_tree": self.organization_tree}


class SelectorViewSet(OrganizationTreeMixin, BaseSelectorViewSet):
    """The shared selector-backed ViewSet, with the organisation tree in the serializer context."""


AGREEMENT_WRITES = {"update", "partial_update", "destroy", "activate", "renew", "terminate"}


@extend_schema_view(
    create=extend_schema(
        request=AgreementInputSerializer, responses={201: AgreementSerializer, 400: VALIDATION_RESPONSE}
    ),
    update=extend_schema(
        request=AgreementInputSerializer, responses={200: AgreementSerializer, 400: VALIDATION_RESPONSE}
    ),
    partial_update=extend_schema(
        request=AgreementInputSerializer, responses={200: AgreementSerializer, 400: VALIDATION_RESPONSE}
    ),
    destroy=extend_schema(responses=DELETE_RESPONSES),
)
class AgreementViewSet(OrganizationTreeMixin, ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Agreements with their parties, roles and figures (bus factor, mandate coverage, anchoring).

    Status changes only through the actions: activate, renew and terminate.
    """

    filterset_class = AgreementFilterSet
    ordering_fields = [
        "title", "reference", "status", "valid_from", "valid_to", "next_review_on",
        "party_count", "responsibility_count", "created_at", "updated_at",
    ]  # fmt: skip
    ordering = ["-valid_from", "title", "id"]
    protected_message = _("Other records still refer to this agreement.")

    def get_queryset(self):
        if self.action in AGREEMENT_WRITES:
            # The row to change; the answer is read again through the selector.
            return Agreement.objects.all()
        return selectors.agreement_list()

    def filter_queryset(self, queryset):
        # Filters and ordering shape lists; the agreement to change is found by its id alone.
        if self.action in AGREEMENT_WRITES:
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return AgreementInputSerializer
        if self.action == "renew":
            return AgreementRenewSerializer
        if self.action == "terminate":
            return AgreementTerminateSerializer
        return AgreementSerializer

    def represent(self, agreement: Agreement) -> dict:
        """The agreement as read from the selector, whatever the action."""
        row = selectors.agreement_list().get(pk=agreement.pk)
        return AgreementSerializer(row, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agreement = serializer.save()
        return Response(
            self.represent(agreement), status=status.HTTP_201_CREATED, headers=self.location(request, agreement)
        )

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        return Response(self.represent(serializer.save()))

    @staticmethod
    def location(request, agreement: Agreement) -> dict:
        return {"Location": reverse("agreement-detail", args=[agreement.pk], request=request)}

    @extend_schema(
        request=None,
        responses={200: AgreementSerializer, 400: VALIDATION_RESPONSE},
        description=_("Draft → active. Needs a start date, at least two parties and one responsibility."),
    )
    @action(detail=True, methods=["post"], permission_classes=[requires("agreements.change_agreement")])
    def activate(self, request, pk=None):
        agreement = services.agreement_activate(agreement=self.get_object())
        return Response(self.represent(agreement))

    @extend_schema(
        request=AgreementRenewSerializer,
        responses={201: AgreementSerializer, 400: VALIDATION_RESPONSE},
        description=_(
            "A new draft for the next period with the same parties, representatives, roles and sponsors. "
            "The current agreement expires when the renewal is activated."
        ),
    )
    @action(detail=True, methods=["post"], permission_classes=[requires("agreements.add_agreement")])
    def renew(self, request, pk=None):
        agreement = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        renewal = services.agreement_renew(agreement=agreement, **serializer.validated_data)
        return Response(
            self.represent(renewal), status=status.HTTP_201_CREATED, headers=self.location(request, renewal)
        )

    @extend_schema(
        request=AgreementTerminateSerializer,
        responses={200: AgreementSerializer, 400: VALIDATION_RESPONSE},
        description=_("Draft or active → terminated, on a day (by default today) and with a reason."),
    )
    @action(detail=True, methods=["post"], permission_classes=[requires("agreements.change_agreement")])
    def terminate(self, request, pk=None):
        agreement = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        agreement = services.agreement_terminate(agreement=agreement, on=values.get("on"), reason=values["reason"])
        return Response(self.represent(agreement))


@extend_schema_view(destroy=extend_schema(responses=DELETE_RESPONSES))
class PartyViewSet(SelectorViewSet):
    """An organisation's participation in an agreement, with its anchoring status."""

    selector = staticmethod(selectors.party_list)
    serializer_class = PartySerializer
    filterset_class = PartyFilterSet
    ordering_fields = ["agreement", "organization__name", "role"]
    ordering = ["agreement_id", "organization__name", "id"]


@extend_schema_view(destroy=extend_schema(responses=DELETE_RESPONSES))
class RepresentativeViewSet(SelectorViewSet):
    """Who represents a party, with what mandate and time; the agreement follows the party."""

    selector = staticmethod(selectors.representative_list)
    serializer_class = RepresentativeSerializer
    filterset_class = RepresentativeFilterSet
    ordering_fields = ["party", "person__last_name", "mandate", "hours_per_month"]
    ordering = ["party_id", "-is_primary", "id"]


@extend_schema_view(destroy=extend_schema(responses=DELETE_RESPONSES))
class ResponsibilityViewSet(SelectorViewSet):
    """The division of roles: a responsible person and a deputy who is never the same person."""

    selector = staticmethod(selectors.responsibility_list)
    serializer_class = ResponsibilitySerializer
    filterset_class = ResponsibilityFilterSet
    ordering_fields = ["agreement", "kind", "title"]
    ordering = ["agreement_id", "kind", "title", "id"]


@extend_schema_view(destroy=extend_schema(responses=DELETE_RESPONSES))
class AnchoringViewSet(SelectorViewSet):
    """How a party has anchored the agreement inside its own organisation."""

    selector = staticmethod(selectors.anchoring_list)
    serializer_class = AnchoringSerializer
    filterset_class = AnchoringFilterSet
    ordering_fields = ["party", "kind", "date"]
    ordering = ["party_id", "kind", "id"]


@extend_schema_view(destroy=extend_schema(responses=DELETE_RESPONSES))
class CommitmentViewSet(SelectorViewSet):
    """What a party has promised to do, by when, and how far it has come."""

    selector = staticmethod(selectors.commitment_list)
    serializer_class = CommitmentSerializer
    filterset_class = CommitmentFilterSet
    ordering_fields = ["party", "due_on", "status"]
    ordering = ["party_id", "due_on", "id"]


class PersonHandOverView(generics.GenericAPIView):
    """Move every role a leaving person holds in draft and active agreements to a successor."""

    queryset = Person.objects.all()
    serializer_class = PersonHandOverSerializer
    permission_classes = [requires("agreements.change_responsibility", "stakeholders.change_person")]
    filter_backends = []

    @extend_schema(
        request=PersonHandOverSerializer,
        responses={200: HandOverSummarySerializer, 400: VALIDATION_RESPONSE},
        description=_(
            "Responsibilities, deputyships, representations, sponsorships and coordinator roles in draft "
            "and active agreements pass to the successor, and the person's leaving date is recorded."
        ),
    )
    def post(self, request, pk=None):
        person = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        summary = services.person_hand_over(person=person, **serializer.validated_data)
        data = {
            "responsibilities": summary.responsibilities,
            "deputyships": summary.deputyships,
            "representations": summary.representations,
            "sponsorships": summary.sponsorships,
            "coordinator_roles": summary.coordinator_roles,
            "total": summary.total,
        }
        return Response(HandOverSummarySerializer(data).data)
