"""REST endpoints for organisations and people: selectors read, services write."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from samverkan_project.api.schema import BAD_REQUEST, DocumentedAutoSchema
from samverkan_project.api.views import CONFLICT_RESPONSE, SelectorViewSet
from stakeholders import privacy, selectors
from stakeholders.api.serializers import (
    EmploymentSerializer,
    OrganizationSerializer,
    PersonAnonymiseResultSerializer,
    PersonSerializer,
)
from stakeholders.filters import EmploymentFilterSet, OrganizationFilterSet, PersonFilterSet

ORGANIZATION_EXAMPLE = {
    "id": 7,
    "name": "Malmö stad",
    "org_number": "212000-1124",
    "sector": "municipality",
    "sector_group": "public",
    "parent": None,
    "parent_name": None,
    "power": 5,
    "interest": 4,
    "resource_level": 4,
    "quadrant": "manage_closely",
    "resources": "Premises, social services staff",
    "drivers": "Fewer young people outside school and work",
    "constraints": "Budget set yearly",
    "is_active": True,
    "people_count": 12,
    "active_people_count": 11,
    "created_at": "2026-01-12T09:30:00+01:00",
    "updated_at": "2026-02-03T14:05:00+01:00",
}
ORGANIZATION_WRITE_EXAMPLE = {
    "name": "Malmö stad",
    "org_number": "2120001124",
    "sector": "municipality",
    "power": 5,
    "interest": 4,
    "resource_level": 4,
}
ORGANIZATION_EXAMPLES = [
    OpenApiExample("Organisation", value=ORGANIZATION_EXAMPLE, response_only=True),
    OpenApiExample("New organisation", value=ORGANIZATION_WRITE_EXAMPLE, request_only=True),
]
PERSON_EXAMPLE = {
    "id": 31,
    "first_name": "Amira",
    "last_name": "Haddad",
    "full_name": "Amira Haddad",
    "email": "amira.haddad@example.se",
    "phone": "040-34 10 00",
    "organization": 7,
    "organization_name": "Malmö stad",
    "title": "Unit manager",
    "language": "sv",
    "left_on": None,
    "is_active": True,
    "created_at": "2026-01-12T09:31:00+01:00",
    "updated_at": "2026-01-12T09:31:00+01:00",
}
PERSON_EXAMPLES = [
    OpenApiExample("Person", value=PERSON_EXAMPLE, response_only=True),
    OpenApiExample(
        "New person",
        value={"first_name": "Amira", "last_name": "Haddad", "email": "amira.haddad@example.se", "organization": 7},
        request_only=True,
    ),
]


@extend_schema_view(
    list=extend_schema(
        summary=_("List organisations"),
        description=_(
            "Organisations with their sector, place on the power/interest grid and head counts. "
            "Filter with the query parameters; `q` searches name and organisation number."
        ),
        examples=ORGANIZATION_EXAMPLES,
    ),
    create=extend_schema(
        summary=_("Create an organisation"),
        description=_(
            "The organisation number may be given with or without the hyphen; it is stored as NNNNNN-NNNN "
            "and must be unique and carry a valid check digit."
        ),
        examples=ORGANIZATION_EXAMPLES,
    ),
    retrieve=extend_schema(summary=_("Read an organisation"), examples=ORGANIZATION_EXAMPLES),
    update=extend_schema(summary=_("Replace an organisation"), examples=ORGANIZATION_EXAMPLES),
    partial_update=extend_schema(summary=_("Change some fields of an organisation"), examples=ORGANIZATION_EXAMPLES),
    destroy=extend_schema(
        summary=_("Delete an organisation"),
        description=_(
            "Refused with 409 while people, sub-organisations or parties still refer to the organisation; "
            "mark it inactive instead."
        ),
        responses={204: None, 409: CONFLICT_RESPONSE},
    ),
)
class OrganizationViewSet(SelectorViewSet):
    """Organisations in the register, with their place on the power/interest grid and head counts."""

    selector = staticmethod(selectors.organization_list)
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


class CanViewPerson(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("stakeholders.view_person"))


class CanChangePerson(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("stakeholders.change_person"))


@extend_schema_view(
    list=extend_schema(
        summary=_("List people"),
        description=_(
            "People of the organisations in the register. A person with a leaving date today or earlier is "
            "inactive; `q` searches names, e-mail and title."
        ),
        examples=PERSON_EXAMPLES,
    ),
    create=extend_schema(
        summary=_("Create a person"),
        description=_("E-mail addresses are unique regardless of case."),
        examples=PERSON_EXAMPLES,
    ),
    retrieve=extend_schema(summary=_("Read a person"), examples=PERSON_EXAMPLES),
    update=extend_schema(summary=_("Replace a person"), examples=PERSON_EXAMPLES),
    partial_update=extend_schema(
        summary=_("Change some fields of a person"),
        description=_("Set `left_on` when somebody leaves; see also hand-over, which moves their roles."),
        examples=PERSON_EXAMPLES,
    ),
    destroy=extend_schema(
        summary=_("Delete a person"),
        description=_(
            "Refused with 409 while agreements or other records refer to the person: set a leaving date, "
            "or anonymise, instead."
        ),
        responses={204: None, 409: CONFLICT_RESPONSE},
    ),
)
class PersonViewSet(SelectorViewSet):
    """People in the register; a person with a leaving date today or earlier is inactive."""

    selector = staticmethod(selectors.person_list)
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    ordering_fields = ["last_name", "first_name", "organization__name", "left_on"]
    ordering = ["last_name", "first_name", "id"]
    protected_message = _(
        "Other records (such as agreements) still refer to this person. Set a leaving date instead of deleting."
    )

    @extend_schema(
        responses={
            200: OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description=_(
                    "Everything stored about the person: fields, organisation, login, representations, roles, "
                    "deputyships, sponsorships, coordinated agreements, change history, risk flags, assessment "
                    "invitations (with answers for users who may view answers), report deliveries (to the person, "
                    "their login or any of their addresses), the login's API tokens (never the key), report "
                    "subscription and access records (failed and successful logins with address and browser)."
                ),
            )
        },
        summary=_("Export a person's data (GDPR)"),
        description=_("Personal data of one person as JSON (GDPR access request). Needs the view permission."),
    )
    @action(detail=True, methods=["get"], permission_classes=[CanViewPerson])
    def export(self, request, pk=None):
        person = self.get_object()
        include_answers = request.user.has_perm("assessments.view_answer")
        return Response(privacy.person_export(person, include_answers=include_answers))

    @extend_schema(
        request=None,
        responses={200: PersonAnonymiseResultSerializer, 400: BAD_REQUEST},
        summary=_("Anonymise a person (GDPR)"),
        description=_(
            "Replace the person's name by a pseudonym and remove e-mail, phone and title everywhere, the change "
            "history included; roles stay with the pseudonymous person. Idempotent: an anonymised person is "
            "answered with already_anonymised true. Needs the change permission."
        ),
    )
    @action(detail=True, methods=["post"], permission_classes=[CanChangePerson])
    def anonymise(self, request, pk=None):
        person = privacy.person_anonymise(self.get_object(), user=request.user)
        summary = person.anonymisation
        data = {
            "person": self.get_queryset().get(pk=person.pk),
            "already_anonymised": summary.already,
            "history_rows": summary.history_rows,
            "login_closed": summary.login_closed,
            "comments_removed": summary.comments_removed,
            "deliveries_cleaned": summary.deliveries_cleaned,
            "other_rows_cleaned": summary.other_rows_cleaned,
        }
        return Response(PersonAnonymiseResultSerializer(data, context=self.get_serializer_context()).data)


EMPLOYMENT_EXAMPLE = {
    "id": 5,
    "person": 31,
    "person_name": "Amira Haddad",
    "organization": 7,
    "organization_name": "Malmö stad",
    "title": "Unit manager",
    "started_on": "2024-03-01",
    "ended_on": None,
    "is_current": True,
}


@extend_schema_view(
    list=extend_schema(
        summary=_("List employment periods"),
        description=_(
            "A person's career: where they worked, as what and when, oldest first; `person` gives one person's. "
            "A move (`POST /persons/{id}/move/`) ends the current period and opens the next."
        ),
        examples=[OpenApiExample("Employment", value=EMPLOYMENT_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary=_("Read an employment period"),
        examples=[OpenApiExample("Employment", value=EMPLOYMENT_EXAMPLE, response_only=True)],
    ),
)
class EmploymentViewSet(viewsets.ReadOnlyModelViewSet):
    """Employment periods (read-only here: they change through a move, or in the admin)."""

    schema = DocumentedAutoSchema()
    serializer_class = EmploymentSerializer
    filterset_class = EmploymentFilterSet
    ordering_fields = ["started_on", "ended_on"]
    ordering = ["person_id", "started_on", "id"]

    def get_queryset(self):
        return selectors.employment_list()
