"""FilterSets for the agreement endpoints.

django-filter calls a ``method=`` filter only with a value (blank input leaves the queryset alone);
the methods' type hints give the OpenAPI schema its parameter types.

Filters on related rows (a party's organisation, a person's roles) use ``Exists`` subqueries,
never joins, so an agreement matched through two parties is still listed once.
"""

import datetime

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.choices import (
    AgreementStatus,
    AnchoringKind,
    CommitmentStatus,
    FollowUpStatus,
    InteractionKind,
    Mandate,
    PartyRole,
    ResponsibilityKind,
)
from agreements.models import (
    Agreement,
    Anchoring,
    Commitment,
    FollowUp,
    Interaction,
    Party,
    Representative,
    Responsibility,
)
from samverkan_project.api.filters import WholeNumberFilter, id_filter, search
from stakeholders.choices import Sector


class AgreementFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), help_text=_("Title, reference or purpose."))
    status = django_filters.MultipleChoiceFilter(
        choices=AgreementStatus.choices, label=_("Status"), help_text=_("Repeat to match any of several statuses.")
    )
    organization_id = id_filter(
        method="filter_organization_id",
        label=_("Party organisation (ID)"),
        help_text=_("Agreements where this organisation is a party."),
    )
    sector = django_filters.MultipleChoiceFilter(
        choices=Sector.choices,
        method="filter_sector",
        label=_("Party sector"),
        help_text=_("Agreements with a party of this sector; repeat to match any of several."),
    )
    coordinator_id = id_filter(field_name="coordinator", label=_("Coordinator (ID)"))
    person_id = id_filter(
        method="filter_person_id",
        label=_("Person involved (ID)"),
        help_text=_("Coordinator, representative, responsible, deputy or sponsor."),
    )
    valid_to_after = django_filters.DateFilter(
        field_name="valid_to", lookup_expr="gte", label=_("Valid to, on or after")
    )
    valid_to_before = django_filters.DateFilter(
        field_name="valid_to", lookup_expr="lte", label=_("Valid to, on or before")
    )
    review_overdue = django_filters.BooleanFilter(
        method="filter_review_overdue",
        label=_("Review overdue"),
        help_text=_("The next review date has passed."),
    )
    expiring_within_days = WholeNumberFilter(
        method="filter_expiring_within_days",
        min_value=0,
        max_value=3650,
        label=_("Expiring within (days)"),
        help_text=_("The end date falls between today and this many days from today."),
    )

    class Meta:
        model = Agreement
        fields = [
            "q", "status", "organization_id", "sector", "coordinator_id", "person_id",
            "valid_to_after", "valid_to_before", "review_overdue", "expiring_within_days",
        ]  # fmt: skip

    def filter_q(self, queryset, name, value):
        return search(queryset, value, ("title", "reference", "purpose"))

    def filter_organization_id(self, queryset, name, value: int):
        return queryset.filter(Exists(Party.objects.filter(agreement=OuterRef("pk"), organization_id=value)))

    def filter_sector(self, queryset, name, value: list[str]):
        return queryset.filter(Exists(Party.objects.filter(agreement=OuterRef("pk"), organization__sector__in=value)))

    def filter_person_id(self, queryset, name, value: int):
        of_this = {"agreement": OuterRef("pk")}
        return queryset.filter(
            Q(coordinator_id=value)
            | Exists(Representative.objects.filter(person_id=value, **of_this))
            | Exists(Responsibility.objects.filter(Q(responsible_id=value) | Q(deputy_id=value), **of_this))
            | Exists(Anchoring.objects.filter(person_id=value, **of_this))
        )

    def filter_review_overdue(self, queryset, name, value: bool):
        # Overdue depends on today's date, like Agreement.is_review_overdue.
        today = timezone.localdate()
        if value:
            return queryset.filter(next_review_on__lt=today)
        return queryset.filter(Q(next_review_on__isnull=True) | Q(next_review_on__gte=today))

    def filter_expiring_within_days(self, queryset, name, value: int):
        today = timezone.localdate()
        return queryset.filter(valid_to__gte=today, valid_to__lte=today + datetime.timedelta(days=int(value)))


class PartyFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("Search"), help_text=_("Organisation name or contribution.")
    )
    agreement_id = id_filter(field_name="agreement", label=_("Agreement (ID)"))
    organization_id = id_filter(field_name="organization", label=_("Organisation (ID)"))
    role = django_filters.MultipleChoiceFilter(choices=PartyRole.choices, label=_("Role"))
    sector = django_filters.MultipleChoiceFilter(
        field_name="organization__sector", choices=Sector.choices, label=_("Sector")
    )

    class Meta:
        model = Party
        fields = ["q", "agreement_id", "organization_id", "role", "sector"]

    def filter_q(self, queryset, name, value):
        return search(queryset, value, ("organization__name", "contribution"))


class RepresentativeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), help_text=_("The person's name."))
    agreement_id = id_filter(field_name="agreement", label=_("Agreement (ID)"))
    party_id = id_filter(field_name="party", label=_("Party (ID)"))
    person_id = id_filter(field_name="person", label=_("Person (ID)"))
    mandate = django_filters.MultipleChoiceFilter(choices=Mandate.choices, label=_("Mandate"))
    is_primary = django_filters.BooleanFilter(label=_("Primary representative"))

    class Meta:
        model = Representative
        fields = ["q", "agreement_id", "party_id", "person_id", "mandate", "is_primary"]

    def filter_q(self, queryset, name, value):
        return search(queryset, value, ("person__first_name", "person__last_name"))


class ResponsibilityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), help_text=_("Title or description."))
    agreement_id = id_filter(field_name="agreement", label=_("Agreement (ID)"))
    person_id = id_filter(method="filter_person_id", label=_("Person (ID)"), help_text=_("Responsible or deputy."))
    responsible_id = id_filter(field_name="responsible", label=_("Responsible (ID)"))
    deputy_id = id_filter(field_name="deputy", label=_("Deputy (ID)"))
    kind = django_filters.MultipleChoiceFilter(choices=ResponsibilityKind.choices, label=_("Kind"))
    has_deputy = django_filters.BooleanFilter(
        field_name="deputy", lookup_expr="isnull", exclude=True, label=_("Has a deputy")
    )

    class Meta:
        model = Responsibility
        fields = ["q", "agreement_id", "person_id", "responsible_id", "deputy_id", "kind", "has_deputy"]

    def filter_q(self, queryset, name, value):
        return search(queryset, value, ("title", "description"))

    def filter_person_id(self, queryset, name, value: int):
        return queryset.filter(Q(responsible_id=value) | Q(deputy_id=value))


class AnchoringFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("Search"), help_text=_("Decision-making body, reference or note.")
    )
    agreement_id = id_filter(field_name="agreement", label=_("Agreement (ID)"))
    party_id = id_filter(field_name="party", label=_("Party (ID)"))
    person_id = id_filter(field_name="person", label=_("Sponsor (ID)"))
    kind = django_filters.MultipleChoiceFilter(choices=AnchoringKind.choices, label=_("Kind"))

    class Meta:
        model = Anchoring
        fields = ["q", "agreement_id", "party_id", "person_id", "kind"]

    def filter_q(self, queryset, name, value):
        return search(queryset, value, ("body", "reference", "note"))


class CommitmentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), help_text=_("The commitment's text."))
    agreement_id = id_filter(field_name="agreement", label=_("Agreement (ID)"))
    party_id = id_filter(field_name="party", label=_("Party (ID)"))
    status = django_filters.MultipleChoiceFilter(choices=CommitmentStatus.choices, label=_("Status"))
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte", label=_("Due on or after"))
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label=_("Due on or before"))
    responsible_id = id_filter(field_name="responsible", label=_("Responsible (ID)"))

    class Meta:
        model = Commitment
        fields = ["q", "agreement_id", "party_id", "status", "due_after", "due_before", "responsible_id"]

    def filter_q(self, queryset, name, value):
        return search(queryset, value, ("description",))


class InteractionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("Search"), help_text=_("Title, notes or decisions.")
    )
    organization = id_filter(
        method="filter_organization", label=_("Organisation (ID)"), help_text=_("Interactions with this organisation.")
    )
    person = id_filter(
        method="filter_person", label=_("Participant (ID)"), help_text=_("Interactions this person took part in.")
    )
    agreement = id_filter(field_name="agreement", label=_("Agreement (ID)"))
    kind = django_filters.MultipleChoiceFilter(
        choices=InteractionKind.choices, label=_("Kind"), help_text=_("Repeat to match any of several kinds.")
    )
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("On or after"))
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("On or before"))

    class Meta:
        model = Interaction
        fields = ["q", "organization", "person", "agreement", "kind", "date_after", "date_before"]

    def filter_q(self, queryset, name, value):
        return search(queryset, value, ("title", "notes", "decisions"))

    def filter_organization(self, queryset, name, value: int):
        through = Interaction.organizations.through
        return queryset.filter(Exists(through.objects.filter(interaction=OuterRef("pk"), organization_id=value)))

    def filter_person(self, queryset, name, value: int):
        through = Interaction.participants.through
        return queryset.filter(Exists(through.objects.filter(interaction=OuterRef("pk"), person_id=value)))


class FollowUpFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"), help_text=_("The follow-up's text."))
    responsible = id_filter(field_name="responsible", label=_("Responsible (ID)"))
    agreement = id_filter(field_name="agreement", label=_("Agreement (ID)"))
    interaction = id_filter(field_name="interaction", label=_("Interaction (ID)"))
    status = django_filters.MultipleChoiceFilter(choices=FollowUpStatus.choices, label=_("Status"))
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte", label=_("Due on or after"))
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label=_("Due on or before"))

    class Meta:
        model = FollowUp
        fields = ["q", "responsible", "agreement", "interaction", "status", "due_after", "due_before"]

    def filter_q(self, queryset, name, value):
        return search(queryset, value, ("description",))
