"""REST endpoints for organisations and people: selectors read, services write."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from samverkan_project.api.views import CONFLICT_RESPONSE, SelectorViewSet
from stakeholders import privacy, selectors
from stakeholders.api.serializers import OrganizationSerializer, PersonAnonymiseResultSerializer, PersonSerializer
from stakeholders.filters import OrganizationFilterSet, PersonFilterSet


@extend_schema_view(destroy=extend_schema(responses={204: None, 409: CONFLICT_RESPONSE}))
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


@extend_schema_view(destroy=extend_schema(responses={204: None, 409: CONFLICT_RESPONSE}))
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
                    "invitations (with answers for users who may view answers) and report deliveries."
                ),
            )
        },
        description=_("Personal data of one person as JSON (GDPR access request). Needs the view permission."),
    )
    @action(detail=True, methods=["get"], permission_classes=[CanViewPerson])
    def export(self, request, pk=None):
        person = self.get_object()
        include_answers = request.user.has_perm("assessments.view_answer")
        return Response(privacy.person_export(person, include_answers=include_answers))

    @extend_schema(
        request=None,
        responses={200: PersonAnonymiseResultSerializer, 400: OpenApiTypes.OBJECT},
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
