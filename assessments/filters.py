"""FilterSets for instruments and assessment rounds."""

import django_filters
from django.utils.translation import gettext_lazy as _

from assessments.choices import RoundStatus
from assessments.models import AssessmentRound, Instrument
from samverkan_project.api.filters import id_filter, search


class InstrumentFilterSet(django_filters.FilterSet):
    code = django_filters.CharFilter(field_name="code", label=_("Code"), help_text=_("All versions of an instrument."))
    is_active = django_filters.BooleanFilter(
        field_name="is_active", label=_("Offered"), help_text=_("Offered for new rounds (the newest versions).")
    )

    class Meta:
        model = Instrument
        fields = ["code", "is_active"]


class AssessmentRoundFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("Search"), help_text=_("The agreement's title or reference.")
    )
    agreement = id_filter(field_name="agreement", label=_("Agreement (ID)"))
    agreement_id = id_filter(field_name="agreement", label=_("Agreement (ID)"))
    instrument = id_filter(field_name="instrument", label=_("Instrument version (ID)"))
    instrument_id = id_filter(field_name="instrument", label=_("Instrument version (ID)"))
    instrument_code = django_filters.CharFilter(
        field_name="instrument__code", label=_("Instrument code"), help_text=_("Rounds of any version of it.")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=RoundStatus.choices, label=_("Status"), help_text=_("Repeat to match any of several statuses.")
    )
    opens_after = django_filters.DateFilter(field_name="opens_on", lookup_expr="gte", label=_("Opens on or after"))
    opens_before = django_filters.DateFilter(field_name="opens_on", lookup_expr="lte", label=_("Opens on or before"))
    closes_after = django_filters.DateFilter(field_name="closes_on", lookup_expr="gte", label=_("Closes on or after"))
    closes_before = django_filters.DateFilter(field_name="closes_on", lookup_expr="lte", label=_("Closes on or before"))

    class Meta:
        model = AssessmentRound
        fields = [
            "q", "agreement", "agreement_id", "instrument", "instrument_id", "instrument_code", "status",
            "opens_after", "opens_before", "closes_after", "closes_before",
        ]  # fmt: skip

    def filter_q(self, queryset, name, value):
        return search(queryset, value, ("agreement__title", "agreement__reference"))


# The name the issue uses.
AssessmentRoundFilter = AssessmentRoundFilterSet
