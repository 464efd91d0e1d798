"""REST endpoints for agreements and their parts: selectors read, services write."""

from functools import cached_property

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from agreements import selectors, services
from agreements.api import rows
from agreements.api.serializers import (
    AgreementDocumentSerializer,
    AgreementInputSerializer,
    AgreementRenewSerializer,
    AgreementSerializer,
    AgreementTerminateSerializer,
    AnchoringSerializer,
    CommitmentSerializer,
    FollowUpSerializer,
    HandOverSummarySerializer,
    InteractionSerializer,
    MovedHandOverSerializer,
    MovedHandOverSummarySerializer,
    MoveSummarySerializer,
    PartySerializer,
    PersonHandOverSerializer,
    PersonMoveSerializer,
    RepresentativeSerializer,
    ResponsibilitySerializer,
)
from agreements.filters import (
    AgreementFilterSet,
    AnchoringFilterSet,
    CommitmentFilterSet,
    FollowUpFilterSet,
    InteractionFilterSet,
    PartyFilterSet,
    RepresentativeFilterSet,
    ResponsibilityFilterSet,
)
from agreements.models import Agreement
from samverkan_project.api.permissions import requires
from samverkan_project.api.schema import VALIDATION_RESPONSE, DocumentedAutoSchema
from samverkan_project.api.views import CONFLICT_RESPONSE, ProtectedDestroyMixin
from samverkan_project.api.views import SelectorViewSet as BaseSelectorViewSet
from stakeholders.models import Person

DELETE_RESPONSES = {204: None, 409: CONFLICT_RESPONSE}

AGREEMENT_EXAMPLE = {
    "id": 12,
    "title": "Unga till arbete eller studier",
    "reference": "KS-2026-0142",
    "purpose": "Fewer young people aged 16–24 outside work and studies.",
    "goals": "Every young person contacted within 30 days.",
    "ambition": "collaboration",
    "status": "active",
    "valid_from": "2026-01-01",
    "valid_to": "2027-12-31",
    "notice_period_months": 6,
    "review_interval_months": 12,
    "next_review_on": "2027-01-15",
    "is_review_overdue": False,
    "assessment_interval_months": 12,
    "coordinator": 31,
    "coordinator_name": "Amira Haddad",
    "document": None,
    "renewed_from": None,
    "terminated_on": None,
    "termination_reason": "",
    "bus_factor": {"value": 2, "exact": True},
    "mandate_coverage": {"parties": 2, "with_decide": 1},
    "parties": [
        {
            "id": 40,
            "organization": 7,
            "organization_name": "Malmö stad",
            "role": "owner",
            "contribution": "Coordinator, premises",
            "anchoring_status": "complete",
            "representatives": [
                {
                    "id": 55,
                    "person": 31,
                    "person_name": "Amira Haddad",
                    "person_is_active": True,
                    "mandate": "decide",
                    "hours_per_month": "8.0",
                    "is_primary": True,
                }
            ],
            "anchorings": [
                {
                    "id": 70,
                    "kind": "decision",
                    "body": "Kommunstyrelsen",
                    "reference": "KS 2025/311",
                    "date": "2025-12-10",
                    "person": None,
                    "person_name": None,
                    "note": "",
                }
            ],
            "commitments": [
                {"id": 90, "description": "Staff two youth coaches", "due_on": "2026-03-01", "status": "done"}
            ],
        }
    ],
    "responsibilities": [
        {
            "id": 81,
            "title": "Coordination",
            "kind": "coordination",
            "description": "Calls the steering group, keeps the minutes.",
            "responsible": 31,
            "responsible_name": "Amira Haddad",
            "deputy": 32,
            "deputy_name": "Erik Lind",
        }
    ],
    "created_at": "2025-11-20T10:00:00+01:00",
    "updated_at": "2026-01-02T08:15:00+01:00",
}
AGREEMENT_EXAMPLES = [
    OpenApiExample("Agreement", value=AGREEMENT_EXAMPLE, response_only=True),
    OpenApiExample(
        "New draft",
        value={
            "title": "Unga till arbete eller studier",
            "reference": "KS-2026-0142",
            "purpose": "Fewer young people aged 16–24 outside work and studies.",
            "ambition": "collaboration",
            "valid_from": "2026-01-01",
            "valid_to": "2027-12-31",
            "review_interval_months": 12,
            "coordinator": 31,
        },
        request_only=True,
    ),
]


CHILD_ACTIONS = ("list", "create", "retrieve", "update", "partial_update", "destroy")


def child_schema(summaries: tuple, examples: list[OpenApiExample], **descriptions) -> dict:
    """Summaries (one per action of CHILD_ACTIONS, in order) and examples of one child endpoint's operations."""
    operations = {}
    for action_name, summary in zip(CHILD_ACTIONS, summaries, strict=True):
        kwargs = {"summary": summary}
        if action_name == "destroy":
            kwargs["responses"] = DELETE_RESPONSES
        else:
            kwargs["examples"] = examples
        if action_name in descriptions:
            kwargs["description"] = descriptions[action_name]
        operations[action_name] = extend_schema(**kwargs)
    return operations


def example(name: str, value: dict, write: dict) -> list[OpenApiExample]:
    return [
        OpenApiExample(name, value=value, response_only=True),
        OpenApiExample(name, value=write, request_only=True),
    ]


class OrganizationTreeMixin:
    """One organisation tree per request, shared by every row's anchoring status."""

    @cached_property
    def organization_tree(self) -> selectors.OrganizationTree:
        return selectors.OrganizationTree()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "organization_tree": self.organization_tree}


class SelectorViewSet(OrganizationTreeMixin, BaseSelectorViewSet):
    """The shared selector-backed ViewSet, with the organisation tree in the serializer context."""


def agreement_write(summary, description, status_code: int = 200):
    """The documentation of a write of the agreement's own fields, answered with the agreement as read."""
    return extend_schema(
        summary=summary,
        description=description,
        request=AgreementInputSerializer,
        responses={status_code: AgreementSerializer, 400: VALIDATION_RESPONSE},
        examples=AGREEMENT_EXAMPLES,
    )


AGREEMENT_WRITES = {"update", "partial_update", "destroy", "activate", "renew", "terminate", "document"}


@extend_schema_view(
    list=extend_schema(
        summary=_("List agreements"),
        description=_(
            "Agreements, newest start first, each with its parties (representatives, anchorings, commitments), "
            "responsibilities and figures: bus factor, mandate coverage and each party's anchoring status."
        ),
        examples=AGREEMENT_EXAMPLES,
    ),
    retrieve=extend_schema(summary=_("Read an agreement"), examples=AGREEMENT_EXAMPLES),
    create=agreement_write(
        _("Create an agreement"),
        _(
            "A new agreement starts as a draft. The signed PDF is uploaded afterwards with "
            "`PUT /agreements/{id}/document/`. The answer is the agreement as read."
        ),
        status_code=201,
    ),
    update=agreement_write(
        _("Replace an agreement's fields"), _("Status, renewal and termination change only through the actions.")
    ),
    partial_update=agreement_write(
        _("Change some fields of an agreement"),
        _("Status, renewal and termination change only through the actions."),
    ),
    destroy=extend_schema(
        summary=_("Delete an agreement"),
        description=_("Refused with 409 while other records (such as a renewal) refer to the agreement."),
        responses=DELETE_RESPONSES,
    ),
)
class AgreementViewSet(OrganizationTreeMixin, ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Agreements with their parties, roles and figures (bus factor, mandate coverage, anchoring).

    Status changes only through the actions: activate, renew and terminate.
    """

    schema = DocumentedAutoSchema()
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
        if self.action in ("list", "retrieve"):
            # Read as plain rows (agreements.api.rows); the columns that orderings name come along.
            return selectors.agreement_rows()
        return selectors.agreement_list()

    def list(self, request, *args, **kwargs):
        values = rows.agreement_values(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(values)
        if page is None:
            return Response(rows.represent(list(values), self.get_serializer_context()))
        return self.get_paginated_response(rows.represent(list(page), self.get_serializer_context()))

    def retrieve(self, request, *args, **kwargs):
        agreement = self.get_object()
        return Response(self.represent(agreement))

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
        if self.action == "document":
            return AgreementDocumentSerializer
        return AgreementSerializer

    def represent(self, agreement: Agreement) -> dict:
        """The agreement as read, whatever the action: built from plain rows like the list."""
        found = list(rows.agreement_values(Agreement.objects.filter(pk=agreement.pk)))
        return rows.represent(found, self.get_serializer_context())[0]

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
        summary=_("Activate a draft agreement"),
        description=_("Draft → active. Needs a start date, at least two parties and one responsibility."),
    )
    @action(detail=True, methods=["post"], permission_classes=[requires("agreements.change_agreement")])
    def activate(self, request, pk=None):
        agreement = services.agreement_activate(agreement=self.get_object())
        return Response(self.represent(agreement))

    @extend_schema(
        request=AgreementRenewSerializer,
        responses={201: AgreementSerializer, 400: VALIDATION_RESPONSE},
        summary=_("Renew an agreement as a new draft"),
        examples=[
            OpenApiExample(
                "Next period", value={"valid_from": "2028-01-01", "valid_to": "2029-12-31"}, request_only=True
            )
        ],
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
        summary=_("Terminate an agreement"),
        examples=[
            OpenApiExample(
                "Terminated early",
                value={"on": "2026-06-30", "reason": "The project funding ended."},
                request_only=True,
            )
        ],
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

    @extend_schema(
        methods=["PUT"],
        request={"multipart/form-data": AgreementDocumentSerializer},
        responses={200: AgreementSerializer, 400: VALIDATION_RESPONSE},
        summary=_("Upload the signed document"),
        description=_(
            "The signed agreement as a PDF, sent as multipart/form-data in the field `document`; it replaces any "
            "earlier one. The only write of the API that is not JSON."
        ),
    )
    @extend_schema(
        methods=["DELETE"],
        request=None,
        responses={200: AgreementSerializer},
        summary=_("Remove the signed document"),
        description=_("The agreement stays; only its signed document is removed."),
    )
    @action(
        detail=True,
        methods=["put", "delete"],
        parser_classes=[MultiPartParser],
        permission_classes=[requires("agreements.change_agreement")],
    )
    def document(self, request, pk=None):
        agreement = self.get_object()
        if request.method == "DELETE":
            return Response(self.represent(services.record_update(instance=agreement, document="")))
        serializer = self.get_serializer(agreement, data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(self.represent(serializer.save()))


@extend_schema_view(
    **child_schema(
        (
            _("List parties"),
            _("Add a party to an agreement"),
            _("Read a party"),
            _("Replace a party"),
            _("Change some fields of a party"),
            _("Remove a party"),
        ),
        example(
            "Party",
            {
                "id": 40,
                "agreement": 12,
                "organization": 7,
                "organization_name": "Malmö stad",
                "role": "owner",
                "contribution": "Coordinator, premises",
                "anchoring_status": "complete",
            },
            {"agreement": 12, "organization": 7, "role": "owner", "contribution": "Coordinator, premises"},
        ),
        list=_(
            "Parties with their anchoring status: whether the organisation has a decision or plan and an active "
            "sponsor."
        ),
    )
)
class PartyViewSet(SelectorViewSet):
    """An organisation's participation in an agreement, with its anchoring status."""

    selector = staticmethod(selectors.party_list)
    serializer_class = PartySerializer
    filterset_class = PartyFilterSet
    ordering_fields = ["agreement", "organization__name", "role"]
    ordering = ["agreement_id", "organization__name", "id"]

    # The tree of the page's (or the one party's) sponsors only, not every organisation.
    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            self.organization_tree = selectors.sponsor_tree(page)
        return page

    def get_object(self):
        party = super().get_object()
        self.organization_tree = selectors.sponsor_tree([party])
        return party


@extend_schema_view(
    **child_schema(
        (
            _("List representatives"),
            _("Add a representative"),
            _("Read a representative"),
            _("Replace a representative"),
            _("Change some fields of a representative"),
            _("Remove a representative"),
        ),
        example(
            "Representative",
            {
                "id": 55,
                "agreement": 12,
                "party": 40,
                "person": 31,
                "person_name": "Amira Haddad",
                "mandate": "decide",
                "hours_per_month": "8.0",
                "is_primary": True,
            },
            {"party": 40, "person": 31, "mandate": "decide", "hours_per_month": "8.0", "is_primary": True},
        ),
        create=_(
            "The person must belong to the party's organisation (or one below it); the agreement follows the party."
        ),
    )
)
class RepresentativeViewSet(SelectorViewSet):
    """Who represents a party, with what mandate and time; the agreement follows the party."""

    selector = staticmethod(selectors.representative_list)
    serializer_class = RepresentativeSerializer
    filterset_class = RepresentativeFilterSet
    ordering_fields = ["party", "person__last_name", "mandate", "hours_per_month"]
    ordering = ["party_id", "-is_primary", "id"]


@extend_schema_view(
    **child_schema(
        (
            _("List responsibilities"),
            _("Add a responsibility"),
            _("Read a responsibility"),
            _("Replace a responsibility"),
            _("Change some fields of a responsibility"),
            _("Remove a responsibility"),
        ),
        example(
            "Responsibility",
            {
                "id": 81,
                "agreement": 12,
                "title": "Coordination",
                "kind": "coordination",
                "description": "",
                "responsible": 31,
                "responsible_name": "Amira Haddad",
                "deputy": 32,
                "deputy_name": "Erik Lind",
            },
            {"agreement": 12, "title": "Coordination", "kind": "coordination", "responsible": 31, "deputy": 32},
        ),
        create=_("The deputy is never the responsible person."),
    )
)
class ResponsibilityViewSet(SelectorViewSet):
    """The division of roles: a responsible person and a deputy who is never the same person."""

    selector = staticmethod(selectors.responsibility_list)
    serializer_class = ResponsibilitySerializer
    filterset_class = ResponsibilityFilterSet
    ordering_fields = ["agreement", "kind", "title"]
    ordering = ["agreement_id", "kind", "title", "id"]


@extend_schema_view(
    **child_schema(
        (
            _("List anchorings"),
            _("Record an anchoring"),
            _("Read an anchoring"),
            _("Replace an anchoring"),
            _("Change some fields of an anchoring"),
            _("Remove an anchoring"),
        ),
        example(
            "Anchoring",
            {
                "id": 70,
                "agreement": 12,
                "party": 40,
                "kind": "decision",
                "body": "Kommunstyrelsen",
                "reference": "KS 2025/311",
                "date": "2025-12-10",
                "person": None,
                "person_name": None,
                "note": "",
            },
            {
                "party": 40,
                "kind": "decision",
                "body": "Kommunstyrelsen",
                "reference": "KS 2025/311",
                "date": "2025-12-10",
            },
        ),
        create=_("A decision needs a date; a sponsor needs a person of the party's organisation."),
    )
)
class AnchoringViewSet(SelectorViewSet):
    """How a party has anchored the agreement inside its own organisation."""

    selector = staticmethod(selectors.anchoring_list)
    serializer_class = AnchoringSerializer
    filterset_class = AnchoringFilterSet
    ordering_fields = ["party", "kind", "date"]
    ordering = ["party_id", "kind", "id"]


@extend_schema_view(
    **child_schema(
        (
            _("List commitments"),
            _("Record a commitment"),
            _("Read a commitment"),
            _("Replace a commitment"),
            _("Change some fields of a commitment"),
            _("Remove a commitment"),
        ),
        example(
            "Commitment",
            {
                "id": 90,
                "agreement": 12,
                "party": 40,
                "description": "Staff two youth coaches",
                "due_on": "2026-03-01",
                "status": "in_progress",
                "responsible": 31,
                "responsible_name": "Amira Haddad",
            },
            {
                "party": 40,
                "description": "Staff two youth coaches",
                "due_on": "2026-03-01",
                "status": "planned",
                "responsible": 31,
            },
        ),
    )
)
class CommitmentViewSet(SelectorViewSet):
    """What a party has promised to do, by when, and how far it has come."""

    selector = staticmethod(selectors.commitment_list)
    serializer_class = CommitmentSerializer
    filterset_class = CommitmentFilterSet
    ordering_fields = ["party", "due_on", "status"]
    ordering = ["party_id", "due_on", "id"]


class PersonHandOverView(generics.GenericAPIView):
    """Move every role a leaving person holds in draft and active agreements to a successor."""

    schema = DocumentedAutoSchema()
    schema_tags = ["persons"]
    queryset = Person.objects.all()
    serializer_class = PersonHandOverSerializer
    permission_classes = [requires("agreements.change_responsibility", "stakeholders.change_person")]
    filter_backends = []

    @extend_schema(
        request=PersonHandOverSerializer,
        responses={200: HandOverSummarySerializer, 400: VALIDATION_RESPONSE},
        summary=_("Hand a leaving person's roles over to a successor"),
        examples=[
            OpenApiExample("Hand-over", value={"successor": 32, "left_on": "2026-04-30"}, request_only=True),
            OpenApiExample(
                "Moved",
                value={
                    "responsibilities": 2,
                    "deputyships": 1,
                    "representations": 1,
                    "sponsorships": 0,
                    "coordinator_roles": 1,
                    "total": 5,
                },
                response_only=True,
            ),
        ],
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


@extend_schema_view(
    **child_schema(
        (
            _("List interactions"),
            _("Log an interaction"),
            _("Read an interaction"),
            _("Replace an interaction"),
            _("Change some fields of an interaction"),
            _("Remove an interaction"),
        ),
        example(
            "Interaction",
            {
                "id": 300,
                "kind": "meeting",
                "date": "2026-03-12",
                "title": "Steering group, spring",
                "notes": "Reviewed the first quarter.",
                "decisions": "Two more youth coaches from May.",
                "organizations": [7, 9],
                "organization_names": ["Malmö stad", "Arbetsförmedlingen"],
                "participants": [31, 44],
                "participant_names": ["Amira Haddad", "Erik Lind"],
                "agreement": 12,
                "agreement_title": "Unga till arbete eller studier",
                "created_at": "2026-03-12T16:00:00+01:00",
                "updated_at": "2026-03-12T16:00:00+01:00",
            },
            {
                "kind": "meeting",
                "date": "2026-03-12",
                "title": "Steering group, spring",
                "decisions": "Two more youth coaches from May.",
                "organizations": [7, 9],
                "participants": [31, 44],
                "agreement": 12,
            },
        ),
        list=_(
            "The dialogue log, newest first: meetings, calls, e-mails, workshops, study visits and conferences "
            "with the organisations and people met; a date ahead is a planned interaction."
        ),
        create=_(
            "Each participant must belong to one of the organisations (or one below it); without organisations, "
            "the participants' own are taken."
        ),
    )
)
class InteractionViewSet(SelectorViewSet):
    """The dialogue log: who met whom, when, about what, and what was decided."""

    selector = staticmethod(selectors.interaction_list)
    serializer_class = InteractionSerializer
    filterset_class = InteractionFilterSet
    ordering_fields = ["date", "kind", "title", "created_at"]
    ordering = ["-date", "-id"]


@extend_schema_view(
    **child_schema(
        (
            _("List follow-ups"),
            _("Record a follow-up"),
            _("Read a follow-up"),
            _("Replace a follow-up"),
            _("Change some fields of a follow-up"),
            _("Remove a follow-up"),
        ),
        example(
            "Follow-up",
            {
                "id": 400,
                "description": "Send the minutes to the parties",
                "responsible": 31,
                "responsible_name": "Amira Haddad",
                "due_on": "2026-03-19",
                "status": "open",
                "interaction": 300,
                "agreement": 12,
                "agreement_title": "Unga till arbete eller studier",
                "created_at": "2026-03-12T16:05:00+01:00",
                "updated_at": "2026-03-12T16:05:00+01:00",
            },
            {"description": "Send the minutes to the parties", "responsible": 31, "due_on": "2026-03-19",
             "interaction": 300},
        ),
        list=_("What is to be done after contacts, by whom and by when; open ones past their date are flagged."),
    )
)
class FollowUpViewSet(SelectorViewSet):
    """Follow-ups: a responsible person, a due date and a status (open, done, cancelled)."""

    selector = staticmethod(selectors.follow_up_list)
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilterSet
    ordering_fields = ["due_on", "status", "created_at"]
    ordering = ["due_on", "id"]


class PersonMoveView(generics.GenericAPIView):
    """A person moves to another organisation: their career gets its next period."""

    schema = DocumentedAutoSchema()
    schema_tags = ["persons"]
    queryset = Person.objects.all()
    serializer_class = PersonMoveSerializer
    permission_classes = [requires("stakeholders.change_person", "agreements.delete_representative")]
    filter_backends = []

    @extend_schema(
        request=PersonMoveSerializer,
        responses={200: MoveSummarySerializer, 400: VALIDATION_RESPONSE},
        summary=_("Move a person to another organisation"),
        examples=[
            OpenApiExample(
                "Move", value={"organization": 9, "moved_on": "2026-05-01", "title": "Analyst"}, request_only=True
            ),
            OpenApiExample(
                "Moved",
                value={
                    "employment": 57,
                    "representations_ended": 1,
                    "roles_to_hand_over": ["Coordination (Unga till arbete eller studier)"],
                },
                response_only=True,
            ),
        ],
        description=_(
            "The current employment period ends the day before `moved_on` and the next one opens. The person's "
            "representations of parties of other organisations in draft and active agreements end (the change "
            "history keeps them). Roles they can no longer hold are listed and flagged (departed_person) until "
            "handed over."
        ),
    )
    def post(self, request, pk=None):
        person = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        summary = services.person_move(person=person, **serializer.validated_data)
        data = {
            "employment": summary.employment.pk,
            "representations_ended": summary.representations_ended,
            "roles_to_hand_over": [services.role_display(role) for role in summary.roles_to_hand_over],
        }
        return Response(MoveSummarySerializer(data).data)


class PersonMovedHandOverView(generics.GenericAPIView):
    """After a move: the roles the person can no longer hold pass to a successor; the person stays active."""

    schema = DocumentedAutoSchema()
    schema_tags = ["persons"]
    queryset = Person.objects.all()
    serializer_class = MovedHandOverSerializer
    permission_classes = [requires("agreements.change_responsibility", "stakeholders.change_person")]
    filter_backends = []

    @extend_schema(
        request=MovedHandOverSerializer,
        responses={200: MovedHandOverSummarySerializer, 400: VALIDATION_RESPONSE},
        summary=_("Hand over the roles a moved person left behind"),
        examples=[OpenApiExample("Hand-over", value={"successor": 32}, request_only=True)],
        description=_(
            "Responsibilities, deputyships and sponsorships in draft and active agreements that the person can no "
            "longer hold from their new organisation pass to the successor. Unlike the hand-over of a leaving "
            "person, no leaving date is recorded."
        ),
    )
    def post(self, request, pk=None):
        person = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = services.moved_roles_hand_over(person=person, successor=serializer.validated_data["successor"])
        return Response(MovedHandOverSummarySerializer({"handed_over": moved}).data)
