"""FilterSets for the register's API endpoints (and any page that lists the same things)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from samverkan_project.api.filters import WholeNumberFilter, id_filter, search
from stakeholders.choices import Language, Sector
from stakeholders.models import Employment, Organization, Person


class OrganizationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("Search"), help_text=_("Name, organisation number, resources or drivers.")
    )
    sector = django_filters.MultipleChoiceFilter(
        choices=Sector.choices, label=_("Sector"), help_text=_("Repeat to match any of several sectors.")
    )
    parent_id = id_filter(field_name="parent", label=_("Parent organisation (ID)"))
    is_active = django_filters.BooleanFilter(label=_("Active"))
    power_min = WholeNumberFilter(field_name="power", lookup_expr="gte", label=_("Power at least"))
    power_max = WholeNumberFilter(field_name="power", lookup_expr="lte", label=_("Power at most"))
    interest_min = WholeNumberFilter(field_name="interest", lookup_expr="gte", label=_("Interest at least"))
    interest_max = WholeNumberFilter(field_name="interest", lookup_expr="lte", label=_("Interest at most"))
    resource_level_min = WholeNumberFilter(
        field_name="resource_level", lookup_expr="gte", label=_("Resource level at least")
    )
    resource_level_max = WholeNumberFilter(
        field_name="resource_level", lookup_expr="lte", label=_("Resource level at most")
    )

    class Meta:
        model = Organization
        fields = [
            "q",
            "sector",
            "parent_id",
            "is_active",
            "power_min",
            "power_max",
            "interest_min",
            "interest_max",
            "resource_level_min",
            "resource_level_max",
        ]

    def filter_q(self, queryset, name, value):
        return search(queryset, value, ("name", "org_number", "resources", "drivers"))


class PersonFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("Search"), help_text=_("First or last name, e-mail or title.")
    )
    organization_id = id_filter(field_name="organization", label=_("Organisation (ID)"))
    is_active = django_filters.BooleanFilter(
        method="filter_is_active",
        label=_("Active"),
        help_text=_("Active people have no leaving date, or one in the future."),
    )
    language = django_filters.ChoiceFilter(choices=Language.choices, label=_("Language"))

    class Meta:
        model = Person
        fields = ["q", "organization_id", "is_active", "language"]

    def filter_q(self, queryset, name, value):
        return search(queryset, value, ("first_name", "last_name", "email", "title"))

    def filter_is_active(self, queryset, name, value):
        # "Active" depends on today's date, so it is the queryset's rule, not a stored column.
        return queryset.active() if value else queryset.departed()


class EmploymentFilterSet(django_filters.FilterSet):
    person = id_filter(field_name="person", label=_("Person (ID)"))
    organization = id_filter(field_name="organization", label=_("Organisation (ID)"))
    current = django_filters.BooleanFilter(
        field_name="ended_on", lookup_expr="isnull", label=_("Current"), help_text=_("Only periods not yet ended.")
    )

    class Meta:
        model = Employment
        fields = ["person", "organization", "current"]
