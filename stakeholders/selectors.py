"""Shaped reads of the register: one queryset per page or endpoint."""

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from stakeholders.models import Employment, Organization, Person


def _people_count(condition: Q | None = None) -> Coalesce:
    """A correlated count of the organisation's people: computed for the rows of the page only, where a join
    with a GROUP BY would count the people of every organisation before the page is cut."""
    people = Person.objects.filter(organization=OuterRef("pk"))
    if condition is not None:
        people = people.filter(condition)
    counted = people.order_by().values("organization").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def organization_list() -> QuerySet[Organization]:
    today = timezone.localdate()
    return (
        Organization.objects.select_related("parent")
        .annotate(
            people_count=_people_count(),
            active_people_count=_people_count(Q(left_on__isnull=True) | Q(left_on__gt=today)),
        )
        .order_by("name", "id")
    )


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
