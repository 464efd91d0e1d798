"""API representations of the register; every write goes through stakeholders.services."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from samverkan_project.api.serializers import ServiceModelSerializer
from stakeholders import services
from stakeholders.choices import Quadrant, SectorGroup
from stakeholders.models import Organization, Person, quadrant_for

DJANGO_NON_FIELD_ERRORS = "__all__"


class RegisterSerializer(ServiceModelSerializer):
    """Service-backed serializer that files database-constraint messages under a field.

    ``full_clean`` reports a violated ``UniqueConstraint`` over expressions (``Lower("email")``)
    as a non-field error, because Django cannot tell which field is at fault. Clients fix the
    field, so ``constraint_fields`` (constraint name → field) moves those messages to it; any
    other model-wide message keeps DRF's ``non_field_errors`` key instead of Django's ``__all__``.
    """

    constraint_fields: dict[str, str] = {}

    def create(self, validated_data):
        try:
            return super().create(validated_data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError(self._file_errors(exc.detail)) from exc

    def update(self, instance, validated_data):
        try:
            return super().update(instance, validated_data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError(self._file_errors(exc.detail)) from exc

    def _file_errors(self, detail):
        if not isinstance(detail, dict) or DJANGO_NON_FIELD_ERRORS not in detail:
            return detail
        detail = dict(detail)
        field_for_message = {
            str(constraint.get_violation_error_message()): self.constraint_fields[constraint.name]
            for constraint in self.Meta.model._meta.constraints
            if constraint.name in self.constraint_fields
        }
        for message in detail.pop(DJANGO_NON_FIELD_ERRORS):
            field = field_for_message.get(str(message), api_settings.NON_FIELD_ERRORS_KEY)
            detail.setdefault(field, []).append(message)
        return detail


class OrganizationSerializer(RegisterSerializer):
    create_service = staticmethod(services.organization_create)
    update_service = staticmethod(services.organization_update)
    constraint_fields = {
        "organization_unique_name_per_parent": "name",
        "organization_unique_top_level_name": "name",
        "organization_sector_valid": "sector",
        "organization_org_number_format": "org_number",
        "organization_not_own_parent": "parent",
    }

    # Declared so that the model, not the serializer, judges the number: the service normalises
    # "5560125790" to "556012-5790" and checks format, check digit and uniqueness in one place.
    org_number = serializers.CharField(
        label=_("organisation number"),
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=20,
        help_text=_("Swedish organisationsnummer; stored as NNNNNN-NNNN."),
    )
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None, allow_null=True)
    sector_group = serializers.ChoiceField(choices=SectorGroup.choices, read_only=True)
    quadrant = serializers.SerializerMethodField(help_text=_("Place on the power/interest grid."))
    people_count = serializers.IntegerField(read_only=True)
    active_people_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id", "name", "org_number", "sector", "sector_group", "parent", "parent_name",
            "power", "interest", "resource_level", "quadrant", "resources", "drivers", "constraints",
            "is_active", "people_count", "active_people_count", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    @extend_schema_field(serializers.ChoiceField(choices=Quadrant.choices))
    def get_quadrant(self, organization: Organization) -> str:
        high_from = settings.STAKEHOLDER_GRID_HIGH_FROM
        return quadrant_for(organization.power, organization.interest, high_from).value


class PersonSerializer(RegisterSerializer):
    create_service = staticmethod(services.person_create)
    update_service = staticmethod(services.person_update)
    constraint_fields = {
        "person_unique_email": "email",
        "person_language_valid": "language",
    }

    full_name = serializers.CharField(read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    is_active = serializers.BooleanField(
        read_only=True, help_text=_("False once the leaving date has passed.")
    )

    class Meta:
        model = Person
        # The login link (``user``) stays out of the API: integrations need no personal data beyond this.
        fields = [
            "id", "first_name", "last_name", "full_name", "email", "phone", "organization",
            "organization_name", "title", "language", "left_on", "is_active", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
