"""FilterSets for the risk endpoints, and the ordering of flags by severity.

django-filter calls a ``method=`` filter only with a value (blank input leaves the queryset alone);
the methods' type hints give the OpenAPI schema its parameter types. Odd ids and unknown choices
are refused with a 400 naming the parameter.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework.filters import OrderingFilter

from risks import engine, selectors
from risks.choices import FlagStatus, ScanStatus, ScanTrigger, Severity
from risks.models import RiskFlag, RiskScan
from samverkan_project.api.filters import id_filter, search

# Public ordering names → what the queryset orders by: severity by rank, and the last time a scan saw
# the risk by selectors.flag_list()'s `seen_at` (an open flag's stored time is not rewritten each scan).
RANKED = {
    "severity": "severity_rank",
    "-severity": "-severity_rank",
    "last_seen_at": "seen_at",
    "-last_seen_at": "-seen_at",
}


class RiskFlagOrderingFilter(OrderingFilter):
    """``severity`` orders by rank, not alphabetically: ``-severity`` is most severe first.
    The id ends every ordering, so pages are stable when flags share a time."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(term.lstrip("-") == "id" for term in ordering):
            ordering.append("-id")
        return [RANKED.get(term, term) for term in ordering]

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if any(term.lstrip("-") == "severity_rank" for term in ordering):
            queryset = queryset.annotate(severity_rank=selectors.severity_rank())
        return queryset.order_by(*ordering)


class RiskFlagFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        help_text=_("The agreement's title or reference, or the person's name."),
    )
    status = django_filters.MultipleChoiceFilter(
        choices=FlagStatus.choices, label=_("Status"), help_text=_("Repeat to match any of several statuses.")
    )
    severity = django_filters.MultipleChoiceFilter(
        choices=Severity.choices, label=_("Severity"), help_text=_("Repeat to match any of several severities.")
    )
    # A callable: the registry is complete only once every app is ready, and the labels follow
    # the request's language.
    rule = django_filters.MultipleChoiceFilter(
        choices=engine.rule_choices,
        label=_("Rule"),
        help_text=_("A rule's code, such as missing_deputy; repeat to match any of several rules."),
    )
    agreement = id_filter(field_name="agreement", label=_("Agreement (ID)"))
    agreement_id = id_filter(field_name="agreement", label=_("Agreement (ID)"))
    organization = id_filter(
        method="filter_organization",
        label=_("Organisation (ID)"),
        help_text=_("Flags in agreements the organisation is party to, about its parties, or about its people."),
    )
    organization_id = id_filter(
        method="filter_organization",
        label=_("Organisation (ID)"),
        help_text=_("Flags in agreements the organisation is party to, about its parties, or about its people."),
    )
    person = id_filter(
        method="filter_person",
        label=_("Person (ID)"),
        help_text=_("Flags naming the person: as subject, or as a role's responsible or deputy."),
    )
    person_id = id_filter(
        method="filter_person",
        label=_("Person (ID)"),
        help_text=_("Flags naming the person: as subject, or as a role's responsible or deputy."),
    )

    class Meta:
        model = RiskFlag
        fields = [
            "q", "status", "severity", "rule", "agreement", "agreement_id",
            "organization", "organization_id", "person", "person_id",
        ]  # fmt: skip

    def filter_q(self, queryset, name, value):
        return search(
            queryset, value, ("agreement__title", "agreement__reference", "person__first_name", "person__last_name")
        )

    def filter_organization(self, queryset, name, value: int):
        return selectors.flags_about_organization(queryset, value)

    def filter_person(self, queryset, name, value: int):
        return selectors.flags_about_person(queryset, value)


class RiskScanFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=ScanStatus.choices, label=_("Status"), help_text=_("Repeat to match any of several statuses.")
    )
    trigger = django_filters.MultipleChoiceFilter(
        choices=ScanTrigger.choices, label=_("Trigger"), help_text=_("Repeat to match any of several triggers.")
    )

    class Meta:
        model = RiskScan
        fields = ["status", "trigger"]
