"""REST endpoints for organisations and people: selectors read, services write."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view

from samverkan_project.api.views import CONFLICT_RESPONSE, SelectorViewSet
from stakeholders import selectors
from stakeholders.api.serializers import OrganizationSerializer, PersonSerializer
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

