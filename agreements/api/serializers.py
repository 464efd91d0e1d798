"""API representations of agreements; every write goes through agreements.services.

Reading an agreement nests its parties (with representatives, anchorings and commitments) and
its responsibilities, and adds figures computed from those prefetched rows. Writing uses flat
serializers, one per endpoint; the agreement's status changes only through the lifecycle actions.
"""

import functools

from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements import selectors
from agreements.choices import AnchoringStatus
from agreements.models import (
    TERMINATION_REASON_MAX_LENGTH,
    Agreement,
    Anchoring,
    Commitment,
    FollowUp,
    Interaction,
    Party,
    Representative,
    Responsibility,
)
from agreements.services import interaction_create, interaction_update, record_create, record_update
from samverkan_project.api.serializers import IdRelatedField, PlausibleDateField, ServiceModelSerializer
from stakeholders.models import Organization, Person


def create_service_for(model):
    return staticmethod(functools.partial(record_create, model=model))


def organization_tree(serializer: serializers.Serializer) -> selectors.OrganizationTree:
    """One tree per request (set by the view), so a page costs at most one extra query."""
    tree = serializer.context.get("organization_tree")
    return tree if tree is not None else selectors.OrganizationTree()


def person_name_field(source: str) -> serializers.CharField:
    return serializers.CharField(source=f"{source}.full_name", read_only=True, default=None, allow_null=True)


class AnchoringStatusMixin(serializers.Serializer):
    anchoring_status = serializers.SerializerMethodField(
        help_text=_("Whether the party has a decision or plan and an active sponsor of its own organisation.")
    )

    @extend_schema_field(serializers.ChoiceField(choices=AnchoringStatus.choices))
    def get_anchoring_status(self, party: Party) -> str:
        return selectors.party_anchoring_status(party, organization_tree(self)).value


def date_field(**kwargs) -> PlausibleDateField:
    return PlausibleDateField(required=False, allow_null=True, **kwargs)


class WriteSerializer(ServiceModelSerializer):
    """Writes of the agreement app: through the services, with plausible dates."""

    update_service = staticmethod(record_update)
    serializer_field_mapping = {
        **ServiceModelSerializer.serializer_field_mapping,
        models.DateField: PlausibleDateField,
    }


class AgreementChildSerializer(WriteSerializer):
    """A row that belongs to one agreement for good: it is not moved to another agreement."""

    def validate_agreement(self, agreement: Agreement) -> Agreement:
        if self.instance is not None and agreement.pk != self.instance.agreement_id:
            raise serializers.ValidationError(_("A record cannot be moved to another agreement."))
        return agreement


# --- child endpoints: parties, representatives, responsibilities, anchorings, commitments ----


class PartySerializer(AnchoringStatusMixin, AgreementChildSerializer):
    create_service = create_service_for(Party)
    constraint_fields = {
        "party_unique_organization_per_agreement": "organization",
        "party_role_valid": "role",
    }

    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Party
        fields = ["id", "agreement", "organization", "organization_name", "role", "contribution", "anchoring_status"]
        # Uniqueness is judged by the model, so the message lands on the field at fault.
        validators = []


class RepresentativeSerializer(AgreementChildSerializer):
    create_service = create_service_for(Representative)
    constraint_fields = {
        "representative_unique_person_per_party": "person",
        "representative_one_primary_per_party": "is_primary",
        "representative_mandate_valid": "mandate",
        "representative_hours_in_range": "hours_per_month",
    }

    person_name = person_name_field("person")

    class Meta:
        model = Representative
        fields = ["id", "agreement", "party", "person", "person_name", "mandate", "hours_per_month", "is_primary"]
        # ``agreement`` mirrors the party's and is filled in from it.
        read_only_fields = ["agreement"]
        validators = []


class ResponsibilitySerializer(AgreementChildSerializer):
    create_service = create_service_for(Responsibility)
    constraint_fields = {
        "responsibility_deputy_not_responsible": "deputy",
        "responsibility_kind_valid": "kind",
    }

    responsible_name = person_name_field("responsible")
    deputy_name = person_name_field("deputy")

    class Meta:
        model = Responsibility
        fields = [
            "id", "agreement", "title", "kind", "description",
            "responsible", "responsible_name", "deputy", "deputy_name",
        ]  # fmt: skip
        validators = []


class AnchoringSerializer(AgreementChildSerializer):
    create_service = create_service_for(Anchoring)
    constraint_fields = {
        "anchoring_kind_valid": "kind",
        "anchoring_sponsor_has_person": "person",
        "anchoring_decision_has_date": "date",
    }

    person_name = person_name_field("person")

    class Meta:
        model = Anchoring
        fields = ["id", "agreement", "party", "kind", "body", "reference", "date", "person", "person_name", "note"]
        read_only_fields = ["agreement"]
        validators = []


class CommitmentSerializer(AgreementChildSerializer):
    create_service = create_service_for(Commitment)
    constraint_fields = {"commitment_status_valid": "status"}

    responsible_name = person_name_field("responsible")

    class Meta:
        model = Commitment
        fields = ["id", "agreement", "party", "description", "due_on", "status", "responsible", "responsible_name"]
        read_only_fields = ["agreement"]
        validators = []


# --- the agreement, read: nested and with figures -------------------------------------------


class AgreementRepresentativeSerializer(serializers.ModelSerializer):
    person_name = person_name_field("person")
    person_is_active = serializers.BooleanField(source="person.is_active", read_only=True)

    class Meta:
        model = Representative
        fields = ["id", "person", "person_name", "person_is_active", "mandate", "hours_per_month", "is_primary"]
        read_only_fields = fields


class AgreementAnchoringSerializer(serializers.ModelSerializer):
    person_name = person_name_field("person")

    class Meta:
        model = Anchoring
        fields = ["id", "kind", "body", "reference", "date", "person", "person_name", "note"]
        read_only_fields = fields


class AgreementCommitmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commitment
        fields = ["id", "description", "due_on", "status", "responsible"]
        read_only_fields = fields


class AgreementPartySerializer(AnchoringStatusMixin, serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    representatives = AgreementRepresentativeSerializer(many=True, read_only=True)
    anchorings = AgreementAnchoringSerializer(many=True, read_only=True)
    commitments = AgreementCommitmentSerializer(many=True, read_only=True)

    class Meta:
        model = Party
        fields = [
            "id", "organization", "organization_name", "role", "contribution", "anchoring_status",
            "representatives", "anchorings", "commitments",
        ]  # fmt: skip
        read_only_fields = fields


class AgreementResponsibilitySerializer(serializers.ModelSerializer):
    responsible_name = person_name_field("responsible")
    deputy_name = person_name_field("deputy")

    class Meta:
        model = Responsibility
        fields = ["id", "title", "kind", "description", "responsible", "responsible_name", "deputy", "deputy_name"]
        read_only_fields = fields


class BusFactorSerializer(serializers.Serializer):
    value = serializers.IntegerField(
        allow_null=True,
        help_text=_(
            "The fewest people whose departure leaves at least half of the responsibilities with neither "
            "their responsible nor their deputy; null without responsibilities."
        ),
    )
    exact = serializers.BooleanField(help_text=_("False when the value is an upper bound (above 3)."))


class MandateCoverageSerializer(serializers.Serializer):
    parties = serializers.IntegerField(help_text=_("Number of parties."))
    with_decide = serializers.IntegerField(
        help_text=_("Parties with an active representative whose mandate is to decide.")
    )


class AgreementSerializer(serializers.ModelSerializer):
    coordinator_name = person_name_field("coordinator")
    is_review_overdue = serializers.BooleanField(read_only=True, help_text=_("The next review date has passed."))
    bus_factor = serializers.SerializerMethodField()
    mandate_coverage = serializers.SerializerMethodField()
    parties = AgreementPartySerializer(many=True, read_only=True)
    responsibilities = AgreementResponsibilitySerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id", "title", "reference", "purpose", "goals", "ambition", "status", "valid_from", "valid_to",
            "notice_period_months", "review_interval_months", "next_review_on", "is_review_overdue",
            "assessment_interval_months", "coordinator", "coordinator_name", "document", "renewed_from",
            "terminated_on", "termination_reason", "bus_factor", "mandate_coverage", "parties",
            "responsibilities", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(BusFactorSerializer)
    def get_bus_factor(self, agreement: Agreement) -> dict:
        result = selectors.agreement_bus_factor(agreement)
        return {"value": result.value, "exact": result.exact}

    @extend_schema_field(MandateCoverageSerializer)
    def get_mandate_coverage(self, agreement: Agreement) -> dict:
        result = selectors.agreement_mandate_coverage(agreement)
        return {"parties": result.parties, "with_decide": result.with_decide}


# --- the agreement, written -----------------------------------------------------------------


class AgreementInputSerializer(WriteSerializer):
    """The agreement's own fields; status, renewal and termination change through the actions."""

    create_service = create_service_for(Agreement)
    constraint_fields = {
        "agreement_valid_to_not_before_valid_from": "valid_to",
        "agreement_unique_reference": "reference",
        "agreement_ambition_valid": "ambition",
        "agreement_intervals_positive": "review_interval_months",
        "agreement_active_has_start": "valid_from",
    }

    class Meta:
        model = Agreement
        fields = [
            "title", "reference", "purpose", "goals", "ambition", "valid_from", "valid_to",
            "notice_period_months", "review_interval_months", "next_review_on",
            "assessment_interval_months", "coordinator",
        ]  # fmt: skip


class AgreementDocumentSerializer(WriteSerializer):
    """The signed document alone: the one upload of the API, so the one body sent as a multipart form."""

    document = serializers.FileField(
        label=_("signed document"),
        help_text=_("The signed agreement as a PDF."),
        # The model's validators (a PDF by content, within the size limit) judge the upload.
        validators=Agreement._meta.get_field("document").validators,
    )

    class Meta:
        model = Agreement
        fields = ["document"]


class AgreementRenewSerializer(serializers.Serializer):
    valid_from = date_field(help_text=_("Start of the new period; by default the day after valid_to."))
    valid_to = date_field(help_text=_("End of the new period; by default as long as the current one."))


class AgreementTerminateSerializer(serializers.Serializer):
    on = date_field(help_text=_("The day of termination; by default today."))
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TERMINATION_REASON_MAX_LENGTH
    )


class PersonHandOverSerializer(serializers.Serializer):
    successor = IdRelatedField(
        queryset=Person.objects.all(), help_text=_("The person who takes over every role.")
    )
    left_on = date_field(help_text=_("The day the leaving person left; by default today."))


class HandOverSummarySerializer(serializers.Serializer):
    responsibilities = serializers.IntegerField()
    deputyships = serializers.IntegerField()
    representations = serializers.IntegerField()
    sponsorships = serializers.IntegerField()
    coordinator_roles = serializers.IntegerField()
    total = serializers.IntegerField()


# --- the dialogue: interactions and follow-ups ---------------------------------------------------


class InteractionSerializer(WriteSerializer):
    create_service = staticmethod(interaction_create)
    update_service = staticmethod(interaction_update)
    constraint_fields = {"interaction_kind_valid": "kind", "interaction_title_not_blank": "title"}

    organizations = IdRelatedField(
        many=True,
        queryset=Organization.objects.all(),
        required=False,
        help_text=_("The organisations met; by default the participants' own."),
    )
    participants = IdRelatedField(
        many=True,
        queryset=Person.objects.all(),
        required=False,
        help_text=_("The people who took part; each belongs to one of the organisations (or one below it)."),
    )
    organization_names = serializers.SerializerMethodField()
    participant_names = serializers.SerializerMethodField()
    agreement_title = serializers.CharField(source="agreement.title", read_only=True, default=None, allow_null=True)
    date = PlausibleDateField(help_text=_("The day of the contact; a day ahead is a planned interaction."))

    class Meta:
        model = Interaction
        fields = [
            "id", "kind", "date", "title", "notes", "decisions", "organizations", "organization_names",
            "participants", "participant_names", "agreement", "agreement_title", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def get_organization_names(self, interaction: Interaction) -> list[str]:
        return [organization.name for organization in interaction.organizations.all()]

    def get_participant_names(self, interaction: Interaction) -> list[str]:
        return [person.full_name for person in interaction.participants.all()]


class FollowUpSerializer(WriteSerializer):
    create_service = create_service_for(FollowUp)
    constraint_fields = {"followup_status_valid": "status", "followup_description_not_blank": "description"}

    responsible_name = person_name_field("responsible")
    agreement_title = serializers.CharField(source="agreement.title", read_only=True, default=None, allow_null=True)
    due_on = PlausibleDateField()

    class Meta:
        model = FollowUp
        fields = [
            "id", "description", "responsible", "responsible_name", "due_on", "status",
            "interaction", "agreement", "agreement_title", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]


class PersonMoveSerializer(serializers.Serializer):
    organization = IdRelatedField(queryset=Organization.objects.all(), help_text=_("The new organisation."))
    moved_on = PlausibleDateField(help_text=_("The first day at the new organisation; today or earlier."))
    title = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, help_text=_("The title there.")
    )


class MovedHandOverSerializer(serializers.Serializer):
    successor = IdRelatedField(
        queryset=Person.objects.all(), help_text=_("The person who takes over the roles left behind.")
    )


class MovedHandOverSummarySerializer(serializers.Serializer):
    handed_over = serializers.IntegerField(help_text=_("Roles handed over."))


class MoveSummarySerializer(serializers.Serializer):
    employment = serializers.IntegerField(help_text=_("The id of the new employment period."))
    representations_ended = serializers.IntegerField(
        help_text=_("Representations of parties of other organisations that ended.")
    )
    roles_to_hand_over = serializers.ListField(
        child=serializers.CharField(),
        help_text=_(
            "Roles the person can no longer hold; flagged until handed over (POST /persons/{id}/move/hand-over/)."
        ),
    )
