"""Filter pieces shared by the apps' FilterSets."""

import django_filters
from django import forms
from django.db.models import Q

from samverkan_project.validators import ID_MAX


def search(queryset, value: str, fields: tuple[str, ...]):
    """Rows where any of ``fields`` contains ``value``; blank input leaves the queryset alone."""
    value = (value or "").strip()
    if not value:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": value})
    return queryset.filter(condition)


class WholeNumberFilter(django_filters.NumberFilter):
    """A whole number within the bounds given, so odd input is refused with a 400."""

    field_class = forms.IntegerField

    def get_max_validator(self):
        return None  # the bounds come from min_value / max_value


def id_filter(**kwargs) -> WholeNumberFilter:
    return WholeNumberFilter(min_value=1, max_value=ID_MAX, **kwargs)
