"""API representations of the register; every write goes through stakeholders.services."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from samverkan_project.api.serializers import ServiceModelSerializer
from stakeholders import services
from stakeholders.choices import Quadrant, SalienceType, SectorGroup
from stakeholders.models import Employment, Organization, Person, quadrant_for


class OrganizationSerializer(ServiceModelSerializer):
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
    salience_type = serializers.SerializerMethodField(
        help_text=_(
            "Salience type (Mitchell, Agle & Wood): which of power, legitimacy and urgency count as present, "
            "each from STAKEHOLDER_GRID_HIGH_FROM on."
        )
    )
    people_count = serializers.IntegerField(read_only=True)
    active_people_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id", "name", "org_number", "sector", "sector_group", "parent", "parent_name",
            "power", "interest", "legitimacy", "urgency", "resource_level", "quadrant", "salience_type",
            "resources", "drivers", "constraints",
            "is_active", "people_count", "active_people_count", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    @extend_schema_field(serializers.ChoiceField(choices=Quadrant.choices))
    def get_quadrant(self, organization: Organization) -> str:
        high_from = settings.STAKEHOLDER_GRID_HIGH_FROM
        return quadrant_for(organization.power, organization.interest, high_from).value

    @extend_schema_field(serializers.ChoiceField(choices=SalienceType.choices))
    def get_salience_type(self, organization: Organization) -> str:
        return organization.salience_type().value


class PersonSerializer(ServiceModelSerializer):
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
            "organization_name", "title", "language", "left_on", "is_active", "reminders_opt_out",
            "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class PersonAnonymiseResultSerializer(serializers.Serializer):
    """What an anonymisation changed; ``already_anonymised`` when there was nothing left to do."""

    person = PersonSerializer(read_only=True)
    already_anonymised = serializers.BooleanField(read_only=True)
    history_rows = serializers.IntegerField(read_only=True, help_text=_("History rows of the person rewritten."))
    login_closed = serializers.BooleanField(read_only=True, help_text=_("A linked login was closed and blanked."))
    comments_removed = serializers.IntegerField(read_only=True, help_text=_("The person's answer comments removed."))
    deliveries_cleaned = serializers.IntegerField(read_only=True, help_text=_("Report deliveries to their address."))
    other_rows_cleaned = serializers.IntegerField(
        read_only=True, help_text=_("Rows elsewhere (change reasons, admin log, flags…) with the name or e-mail.")
    )


class EmploymentSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    is_current = serializers.SerializerMethodField(help_text=_("True while the period has not ended."))

    class Meta:
        model = Employment
        fields = [
            "id", "person", "person_name", "organization", "organization_name", "title",
            "started_on", "ended_on", "is_current",
        ]  # fmt: skip
        read_only_fields = fields

    def get_is_current(self, employment: Employment) -> bool:
        return employment.ended_on is None
