"""Shaped reads of the register: one queryset per page or endpoint."""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from stakeholders.models import Employment, Organization, Person


def organization_list() -> QuerySet[Organization]:
    today = timezone.localdate()
    return Organization.objects.select_related("parent").annotate(
        people_count=Count("people", distinct=True),
        active_people_count=Count(
            "people", filter=Q(people__left_on__isnull=True) | Q(people__left_on__gt=today), distinct=True
        ),
    ).order_by("name", "id")


def person_list() -> QuerySet[Person]:
    return Person.objects.select_related("organization", "user")


def organization_grid(*, sector: str | None = None) -> QuerySet[Organization]:
    """Active organisations for the power/interest grid, optionally of one sector."""
    queryset = Organization.objects.filter(is_active=True).only(
        "id", "name", "sector", "power", "interest", "legitimacy", "urgency", "resource_level"
    )
    if sector:
        queryset = queryset.filter(sector=sector)
    return queryset.order_by("-power", "-interest", "name")


def employment_list() -> QuerySet[Employment]:
    """Employment periods with their person and organisation (one query a page)."""
    return Employment.objects.select_related("person", "organization")
