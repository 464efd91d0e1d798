"""Shaped reads of agreements: one queryset per endpoint, and plain figures computed from it.

The figures (bus factor, mandate coverage, anchoring status) are computed from rows that the
selectors have already prefetched, so a page of agreements costs the same number of queries
whatever its size. The risk engine reuses the same functions over its own snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Count, DateField, IntegerField, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from agreements import rules
from agreements.choices import SETTLED_COMMITMENT_STATUSES, SETTLED_FOLLOW_UP_STATUSES, AnchoringStatus
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
from stakeholders.models import Organization, Person


class OrganizationTree:
    """Which organisations lie below which: a person of a förvaltning belongs to the kommun too.

    ``agreements.models.organization_lineage`` walks the parents with one query per level, which
    is right for validating one row but not for a page of rows. This reads every parent link
    with one query, the first time a person sits in an organisation other than the party's own,
    and reuses it afterwards; so a request (or a risk scan) costs at most one extra query,
    whatever the number of agreements. Pass ``parents`` when the links are already loaded.
    """

    def __init__(
        self, parents: Mapping[int, int | None] | None = None, *, organizations: Iterable[int] | None = None
    ) -> None:
        self._parents = dict(parents) if parents is not None else None
        # With ``organizations``: only their lines up to the top are read (one recursive query), not every
        # organisation; ``contains`` then answers for organisations among them (and any it was given).
        self._wanted = None if organizations is None else {pk for pk in organizations if pk is not None}

    def _parent_of(self) -> dict[int, int | None]:
        if self._parents is None:
            if self._wanted is None:
                self._parents = dict(Organization.objects.values_list("id", "parent_id"))
            else:
                self._parents = organization_lineages(self._wanted)
        return self._parents

    def load(self) -> OrganizationTree:
        """Read the parent links now (one query if there are any to read), not when first asked: a page then
        costs the same queries wherever its sponsors sit."""
        if self._wanted is None or self._wanted:
            self._parent_of()
        return self

    def contains(self, organization_id: int | None, ancestor_id: int | None) -> bool:
        """True when ``organization_id`` is ``ancestor_id`` or lies somewhere below it."""
        if organization_id is None or ancestor_id is None:
            return False
        if organization_id == ancestor_id:
            return True  # the common case needs no parent links at all
        parent_of = self._parent_of()
        seen: set[int] = set()
        current = parent_of.get(organization_id)
        while current is not None and current not in seen:
            if current == ancestor_id:
                return True
            seen.add(current)
            current = parent_of.get(current)
        return False


def organization_lineages(organization_ids: Iterable[int]) -> dict[int, int | None]:
    """The parent of each of ``organization_ids`` and of every organisation above them: one recursive query."""
    ids = sorted(set(organization_ids))
    if not ids:
        return {}
    table = connection.ops.quote_name(Organization._meta.db_table)
    if connection.vendor != "postgresql":
        return dict(Organization.objects.values_list("id", "parent_id"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM {table} WHERE id = ANY(%s) "
            f"UNION SELECT o.id, o.parent_id FROM {table} o INNER JOIN up ON o.id = up.parent_id) "
            "SELECT id, parent_id FROM up",
            [ids],
        )
        return dict(cursor.fetchall())


# --- querysets -----------------------------------------------------------------------------


def _count_of(model, field: str = "agreement") -> Coalesce:
    """A correlated COUNT, so the agreement rows are not multiplied by a join and a GROUP BY."""
    counted = (
        model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def agreement_list() -> QuerySet[Agreement]:
    """Agreements with everything the nested API representation and the figures need.

    Queries: agreements + coordinator (joined, with the party count), then one each for
    parties + organisations, representatives + people, anchorings + people, commitments,
    and responsibilities + responsible + deputy.
    """
    parties = Party.objects.select_related("organization").prefetch_related(
        Prefetch("representatives", queryset=Representative.objects.select_related("person")),
        Prefetch("anchorings", queryset=Anchoring.objects.select_related("person")),
        Prefetch("commitments", queryset=Commitment.objects.all()),
    )
    return (
        Agreement.objects.select_related("coordinator__organization")
        .prefetch_related(
            Prefetch("parties", queryset=parties),
            Prefetch("responsibilities", queryset=Responsibility.objects.select_related("responsible", "deputy")),
        )
        .annotate(party_count=_count_of(Party), responsibility_count=_count_of(Responsibility))
    )


def agreement_rows() -> QuerySet[Agreement]:
    """Agreements for the plain-row list and detail (agreements.api.rows): only the counts the list may be
    ordered by, as correlated subqueries, so they are computed for the rows of the page."""
    return Agreement.objects.annotate(party_count=_count_of(Party), responsibility_count=_count_of(Responsibility))


def party_list() -> QuerySet[Party]:
    """Parties with their organisation and the anchorings their anchoring status is made of."""
    return Party.objects.select_related("organization").prefetch_related(
        Prefetch("anchorings", queryset=Anchoring.objects.select_related("person"))
    )


# The party (and its organisation) is what a change is validated against, so it comes along.


def representative_list() -> QuerySet[Representative]:
    return Representative.objects.select_related("person", "party__organization")


def responsibility_list() -> QuerySet[Responsibility]:
    return Responsibility.objects.select_related("responsible", "deputy")


def anchoring_list() -> QuerySet[Anchoring]:
    return Anchoring.objects.select_related("person", "party__organization")


def commitment_list() -> QuerySet[Commitment]:
    return Commitment.objects.select_related("party", "responsible")


# --- figures over prefetched rows (no queries) ----------------------------------------------


def agreement_roles(agreement: Agreement) -> list[rules.Role]:
    """(responsible, deputy) per responsibility, the input of the bus factor and role rules."""
    return [(role.responsible_id, role.deputy_id) for role in agreement.responsibilities.all()]


def agreement_bus_factor(agreement: Agreement) -> rules.BusFactor:
    return rules.bus_factor(agreement_roles(agreement))


def party_anchoring_facts(party: Party, tree: OrganizationTree) -> list[rules.AnchoringFact]:
    facts = []
    for anchoring in party.anchorings.all():
        person = anchoring.person if anchoring.person_id else None
        facts.append(
            rules.AnchoringFact(
                kind=anchoring.kind,
                person_active=person is not None and person.is_active,
                person_in_party=person is not None and tree.contains(person.organization_id, party.organization_id),
            )
        )
    return facts


def sponsor_tree(parties: Iterable[Party]) -> OrganizationTree:
    """The organisation tree the anchoring status of these parties (anchorings and people prefetched) needs:
    only the lines above the organisations of sponsors who sit outside their party's own, read when asked."""
    return OrganizationTree(
        organizations={
            anchoring.person.organization_id
            for party in parties
            for anchoring in party.anchorings.all()
            if anchoring.person_id and anchoring.person.organization_id != party.organization_id
        }
    )


def party_anchoring_status(party: Party, tree: OrganizationTree) -> AnchoringStatus:
    return rules.anchoring_status(party_anchoring_facts(party, tree))


def agreement_mandate_coverage(agreement: Agreement) -> rules.MandateCoverage:
    """Parties with an active representative who may decide; people who have left do not count."""
    return rules.mandate_coverage(
        {
            party.pk: [rep.mandate for rep in party.representatives.all() if rep.person.is_active]
            for party in agreement.parties.all()
        }
    )


@dataclass(frozen=True)
class AgreementSnapshot:
    bus_factor: rules.BusFactor
    mandate_coverage: rules.MandateCoverage
    anchoring_status: dict[int, AnchoringStatus]  # party id → status


def agreement_snapshot(agreement: Agreement, *, tree: OrganizationTree | None = None) -> AgreementSnapshot:
    """Bus factor, mandate coverage and per-party anchoring status of one agreement from
    ``agreement_list()`` rows; pass one ``tree`` for all agreements of a request or scan."""
    tree = tree or OrganizationTree()
    return AgreementSnapshot(
        bus_factor=agreement_bus_factor(agreement),
        mandate_coverage=agreement_mandate_coverage(agreement),
        anchoring_status={party.pk: party_anchoring_status(party, tree) for party in agreement.parties.all()},
    )


def agreement_snapshots(agreements: Iterable[Agreement]) -> dict[int, AgreementSnapshot]:
    """Snapshots of many agreements sharing one organisation tree (at most one extra query)."""
    tree = OrganizationTree()
    return {agreement.pk: agreement_snapshot(agreement, tree=tree) for agreement in agreements}


# --- signed documents ------------------------------------------------------------------------


def document_is_current(name: str) -> bool:
    """Whether ``name`` is the signed document of an agreement now."""
    return Agreement.objects.filter(document=name).exists()


def document_in_history(name: str) -> bool:
    """Whether any version of any agreement (also a deleted one) held ``name`` as its signed document."""
    return Agreement.history.filter(document=name).exists()


def current_documents() -> set[str]:
    """The names of every agreement's signed document now."""
    return set(Agreement.objects.exclude(document="").values_list("document", flat=True))


def document_retirements(names: Iterable[str]) -> dict[str, datetime]:
    """When each of the stored ``names`` stopped being an agreement's document, by the change history: the
    first change after the last version that held it (for a deleted agreement, its deletion). A name the
    history never held, or holds to its last version, is left out; the latest time counts when several
    agreements held it."""
    history = Agreement.history.model
    names = list(names)
    retired: dict[str, datetime] = {}
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        holders = history.objects.filter(document__in=chunk).values("id")
        rows = (
            history.objects.filter(id__in=holders)
            .order_by("id", "history_date", "history_id")
            .values_list("id", "document", "history_date", "history_type")
        )
        previous: tuple | None = None
        for row in rows.iterator():
            agreement_id, document, when, kind = row
            if previous is not None and previous[0] == agreement_id and previous[1] != document:
                _note_retirement(retired, previous[1], when)  # the version after the last one holding it
            if kind == "-":
                _note_retirement(retired, document, when)  # deleted with the agreement
            previous = row
    wanted = set(names)
    return {name: when for name, when in retired.items() if name in wanted}


def _note_retirement(retired: dict[str, datetime], name: str, when: datetime) -> None:
    if name and (name not in retired or retired[name] < when):
        retired[name] = when


# --- the dialogue: interactions, follow-ups, what is due ---------------------------------------


def interaction_list() -> QuerySet[Interaction]:
    """Interactions with their agreement, organisations and participants: three queries a page."""
    return Interaction.objects.select_related("agreement").prefetch_related(
        Prefetch("organizations", queryset=Organization.objects.order_by("name", "id")),
        Prefetch("participants", queryset=Person.objects.order_by("last_name", "first_name", "id")),
    )


def follow_up_list() -> QuerySet[FollowUp]:
    return FollowUp.objects.select_related("responsible", "agreement", "interaction")


def _last_contact(field: str, today: date | None = None) -> Subquery:
    """The date of the latest interaction up to ``today`` of the row (planned ones do not count)."""
    day = today or timezone.localdate()
    latest = (
        Interaction.objects.filter(**{field: OuterRef("pk")}, date__lte=day)
        .order_by()
        .values(field)
        .annotate(last=Max("date"))
        .values("last")
    )
    return Subquery(latest, output_field=DateField())


def agreement_last_contact_annotation(today: date | None = None) -> Subquery:
    """``Agreement.objects.annotate(last_contact=agreement_last_contact_annotation())``."""
    return _last_contact("agreement", today)


def organization_last_contact_annotation(today: date | None = None) -> Subquery:
    """``Organization.objects.annotate(last_contact=organization_last_contact_annotation())``."""
    return _last_contact("organizations", today)


def last_contacts(field: str, ids: Iterable[int], today: date | None = None) -> dict[int, date]:
    """{id: date of the latest interaction up to today} for agreements (``field="agreement"``) or organisations
    (``field="organizations"``), one query; ids without any contact are left out."""
    day = today or timezone.localdate()
    rows = (
        Interaction.objects.filter(**{f"{field}__in": list(ids)}, date__lte=day)
        .order_by()
        .values_list(field)
        .annotate(last=Max("date"))
    )
    return dict(rows)


def agreement_last_contact(agreement_id: int, today: date | None = None) -> date | None:
    return last_contacts("agreement", [agreement_id], today).get(agreement_id)


def organization_last_contact(organization_id: int, today: date | None = None) -> date | None:
    return last_contacts("organizations", [organization_id], today).get(organization_id)


@dataclass(frozen=True)
class DueItem:
    """A commitment or follow-up that is due soon or overdue, as reminders, the calendar and the start page
    show it."""

    kind: str  # "commitment" or "follow_up"
    id: int
    description: str
    due_on: date
    responsible_id: int | None
    agreement_id: int | None
    agreement_title: str

    def is_overdue(self, today: date) -> bool:
        return self.due_on < today


def due_items(
    *, person_ids: Iterable[int] | None = None, agreement_ids: Iterable[int] | None = None,
    until: date | None = None, since: date | None = None,
) -> list[DueItem]:
    """Commitments and follow-ups not done or cancelled with a due date up to ``until`` (and from ``since``),
    of the given responsible people and/or agreements (all when both are None), due date first: two queries."""
    commitments = Commitment.objects.filter(due_on__isnull=False).exclude(status__in=SETTLED_COMMITMENT_STATUSES)
    follow_ups = FollowUp.objects.exclude(status__in=SETTLED_FOLLOW_UP_STATUSES)
    if person_ids is not None:
        person_ids = list(person_ids)
        commitments = commitments.filter(responsible_id__in=person_ids)
        follow_ups = follow_ups.filter(responsible_id__in=person_ids)
    if agreement_ids is not None:
        agreement_ids = list(agreement_ids)
        commitments = commitments.filter(agreement_id__in=agreement_ids)
        follow_ups = follow_ups.filter(agreement_id__in=agreement_ids)
    if until is not None:
        commitments, follow_ups = commitments.filter(due_on__lte=until), follow_ups.filter(due_on__lte=until)
    if since is not None:
        commitments, follow_ups = commitments.filter(due_on__gte=since), follow_ups.filter(due_on__gte=since)
    columns = ("id", "description", "due_on", "responsible_id", "agreement_id", "agreement__title")
    items = [DueItem("commitment", *row) for row in commitments.order_by().values_list(*columns)]
    items += [
        DueItem("follow_up", *row[:5], row[5] or "") for row in follow_ups.order_by().values_list(*columns)
    ]
    return sorted(items, key=lambda item: (item.due_on, item.kind, item.id))


def due_for_person(person_id: int, *, within_days: int = 14, today: date | None = None) -> list[DueItem]:
    """What ``person_id`` is responsible for that is overdue or due within ``within_days`` days."""
    day = today or timezone.localdate()
    return due_items(person_ids=[person_id], until=day + timedelta(days=within_days))


def due_for_user(user, *, within_days: int = 14, today: date | None = None) -> list[DueItem]:
    """The same for a login's person (nothing for a login without one): for the start page."""
    person_id = Person.objects.filter(user_id=getattr(user, "pk", None)).values_list("id", flat=True).first()
    if person_id is None:
        return []
    return due_for_person(person_id, within_days=within_days, today=today)
