"""Admin-only pieces for agreements: the summaries the list and the agreement page show (bus
factor, anchoring, mandate, role matrix), the hand-over preview and form.

Nothing here runs a query per row: the figures come from agreements.selectors over rows that
`selectors.agreement_list()` prefetched (one organisation tree per page), and the rules themselves
are the pure functions in agreements.rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agreements import rules, selectors
from agreements.choices import AnchoringStatus
from agreements.models import Agreement, Anchoring, Party, Representative, Responsibility
from agreements.services import OPEN_STATUSES, HandOverSummary
from stakeholders.models import Organization, Person

# A person responsible for this share of an agreement's roles or more is highlighted
# (the `person_overload` risk rule uses the same 50 %).
HIGH_SHARE = 0.5


@dataclass(frozen=True)
class PartySummary:
    party: Party
    anchoring: AnchoringStatus
    has_decider: bool  # an active representative with mandate to decide

    @property
    def anchoring_complete(self) -> bool:
        return self.anchoring == AnchoringStatus.COMPLETE


@dataclass(frozen=True)
class AgreementOverview:
    bus_factor: rules.BusFactor
    critical_people: tuple[Person, ...]
    parties: tuple[PartySummary, ...]
    mandate: rules.MandateCoverage

    @property
    def anchoring_complete_count(self) -> int:
        return sum(1 for summary in self.parties if summary.anchoring_complete)

    @property
    def incomplete_anchorings(self) -> list[PartySummary]:
        return [summary for summary in self.parties if not summary.anchoring_complete]

    @property
    def parties_without_decider(self) -> list[Party]:
        return list(self.mandate.missing)

    @property
    def bus_factor_lower_bound(self) -> int:
        """The exact value is at least this (the exhaustive search found nothing smaller)."""
        return self.bus_factor.value if self.bus_factor.exact else rules.EXACT_UP_TO + 1


def people_of(responsibilities: Sequence[Responsibility]) -> dict[int, Person]:
    people: dict[int, Person] = {}
    for role in responsibilities:
        people[role.responsible_id] = role.responsible
        if role.deputy_id is not None:
            people[role.deputy_id] = role.deputy
    return people


def agreement_overview(agreement: Agreement, tree: selectors.OrganizationTree) -> AgreementOverview:
    """The selectors' figures of one agreement from ``selectors.agreement_list()``, with the people
    and parties they name (taken from the prefetched rows, not queried)."""
    snapshot = selectors.agreement_snapshot(agreement, tree=tree)
    people = people_of(agreement.responsibilities.all())
    parties = {party.pk: party for party in agreement.parties.all()}
    coverage = snapshot.mandate_coverage
    lacking = set(coverage.missing)
    return AgreementOverview(
        bus_factor=snapshot.bus_factor,
        critical_people=tuple(people[pk] for pk in snapshot.bus_factor.people),
        parties=tuple(
            PartySummary(party=party, anchoring=snapshot.anchoring_status[pk], has_decider=pk not in lacking)
            for pk, party in parties.items()
        ),
        mandate=rules.MandateCoverage(
            parties=coverage.parties,
            with_decide=coverage.with_decide,
            missing=tuple(parties[pk] for pk in coverage.missing),
        ),
    )


def page_overviews(agreement_ids: Sequence[int]) -> dict[int, AgreementOverview]:
    """The overviews of a page of agreements from plain rows: one query per table (parties, representatives,
    anchorings, roles), then the names of the organisations and people they refer to, by id; plus, if a sponsor
    sits outside their party's own organisation, the lines above it. No join with a whole table, and model
    instances only for what the page shows by name (the parties, the critical people)."""
    ids = list(dict.fromkeys(agreement_ids))
    if not ids:
        return {}
    parties_of: dict[int, list[tuple]] = defaultdict(list)
    for row in (
        Party.objects.filter(agreement_id__in=ids)
        .order_by("agreement_id", "id")
        .values_list("id", "agreement_id", "organization_id", "role")
    ):
        parties_of[row[1]].append(row)
    mandates_of: dict[int, list[tuple]] = defaultdict(list)
    for party_id, person_id, mandate in (
        Representative.objects.filter(agreement_id__in=ids).order_by().values_list("party_id", "person_id", "mandate")
    ):
        mandates_of[party_id].append((person_id, mandate))
    anchorings_of: dict[int, list[tuple]] = defaultdict(list)
    for party_id, kind, person_id in (
        Anchoring.objects.filter(agreement_id__in=ids)
        .order_by("party_id", "kind", "id")
        .values_list("party_id", "kind", "person_id")
    ):
        anchorings_of[party_id].append((kind, person_id))
    roles_of: dict[int, list[tuple]] = defaultdict(list)
    for agreement_id, responsible, deputy in (
        Responsibility.objects.filter(agreement_id__in=ids)
        .order_by("agreement_id", "kind", "title", "id")
        .values_list("agreement_id", "responsible_id", "deputy_id")
    ):
        roles_of[agreement_id].append((responsible, deputy))

    person_ids = {person for rows in mandates_of.values() for person, _mandate in rows}
    person_ids |= {person for rows in anchorings_of.values() for _kind, person in rows if person is not None}
    person_ids |= {person for rows in roles_of.values() for role in rows for person in role if person is not None}
    # id → (first name, last name, left on, organisation)
    people = {
        row[0]: row[1:]
        for row in Person.objects.filter(id__in=person_ids)
        .order_by()
        .values_list("id", "first_name", "last_name", "left_on", "organization_id")
    }
    organization_ids = {row[2] for rows in parties_of.values() for row in rows}
    organizations, name_rank = {}, {}
    for pk, name in Organization.objects.filter(id__in=organization_ids).order_by("name").values_list("id", "name"):
        organizations[pk] = Organization(pk=pk, name=name)
        name_rank.setdefault(name, len(name_rank))
    today = timezone.localdate()

    def active(person_id) -> bool:
        found = people.get(person_id)
        return found is not None and (found[2] is None or found[2] > today)

    def organization_of(person_id):
        found = people.get(person_id)
        return found[3] if found is not None else None

    # The lines above every sponsor's organisation, read now: the same queries wherever the sponsors sit.
    tree = selectors.OrganizationTree(
        organizations={
            organization_of(person) for rows in anchorings_of.values() for _kind, person in rows if person is not None
        }
    ).load()
    overviews = {}
    for agreement_id in ids:
        # Listed by the organisation's name, as the parties are (then by id).
        rows = sorted(
            parties_of.get(agreement_id, ()),
            key=lambda row: (name_rank.get(getattr(organizations.get(row[2]), "name", None), -1), row[0]),
        )
        parties = {}
        for party_id, _agreement, organization_id, role in rows:
            party = Party(pk=party_id, agreement_id=agreement_id, organization_id=organization_id, role=role)
            if organization_id in organizations:
                party.organization = organizations[organization_id]
            parties[party_id] = party
        coverage = rules.mandate_coverage(
            {
                party_id: [mandate for person, mandate in mandates_of.get(party_id, ()) if active(person)]
                for party_id in parties
            }
        )
        summaries = []
        for party_id, party in parties.items():
            facts = [
                rules.AnchoringFact(
                    kind=kind,
                    person_active=person is not None and active(person),
                    person_in_party=person is not None
                    and tree.contains(organization_of(person), party.organization_id),
                )
                for kind, person in anchorings_of.get(party_id, ())
            ]
            summaries.append(
                PartySummary(
                    party=party,
                    anchoring=rules.anchoring_status(facts),
                    has_decider=party_id not in set(coverage.missing),
                )
            )
        factor = rules.bus_factor(roles_of.get(agreement_id, ()))
        critical = []
        for person_id in factor.people:
            first, last, left_on, organization_id = people.get(person_id, ("", "", None, None))
            critical.append(
                Person(pk=person_id, first_name=first, last_name=last, left_on=left_on, organization_id=organization_id)
            )
        overviews[agreement_id] = AgreementOverview(
            bus_factor=factor,
            critical_people=tuple(critical),
            parties=tuple(summaries),
            mandate=rules.MandateCoverage(
                parties=coverage.parties,
                with_decide=coverage.with_decide,
                missing=tuple(parties[pk] for pk in coverage.missing),
            ),
        )
    return overviews


def _prefetched(agreement: Agreement) -> bool:
    cache = getattr(agreement, "_prefetched_objects_cache", {})
    return "parties" in cache and "responsibilities" in cache


def attach_overviews(agreements: Sequence[Agreement]) -> None:
    """Compute the overview of every agreement of a page at once, as ``admin_overview``: from what
    ``selectors.agreement_list()`` prefetched (one organisation tree for all), else from plain rows
    (``page_overviews``, the admin list)."""
    if agreements and all(_prefetched(agreement) for agreement in agreements):
        tree = selectors.sponsor_tree(party for agreement in agreements for party in agreement.parties.all())
        for agreement in agreements:
            agreement.admin_overview = agreement_overview(agreement, tree)
        return
    overviews = page_overviews([agreement.pk for agreement in agreements])
    for agreement in agreements:
        agreement.admin_overview = overviews[agreement.pk]


def overview_of(agreement: Agreement) -> AgreementOverview:
    """The attached overview, or one computed for this agreement alone."""
    overview = getattr(agreement, "admin_overview", None)
    if overview is None:
        attach_overviews([agreement])
        overview = agreement.admin_overview
    return overview


@dataclass(frozen=True)
class MatrixLine:
    person: Person
    cells: tuple[str, ...]  # per responsibility: "R", "D" or ""
    responsible: int
    deputy: int
    share: float  # share of the agreement's responsibilities this person is responsible for

    @property
    def share_percent(self) -> int:
        return round(self.share * 100)

    @property
    def is_high(self) -> bool:
        return self.share >= HIGH_SHARE

    @property
    def has_left(self) -> bool:
        return not self.person.is_active


@dataclass(frozen=True)
class RoleMatrix:
    responsibilities: tuple[Responsibility, ...]
    lines: tuple[MatrixLine, ...]


def role_matrix(agreement: Agreement) -> RoleMatrix:
    """People × responsibilities of one agreement with prefetched responsibilities."""
    responsibilities = tuple(agreement.responsibilities.all())
    people = people_of(responsibilities)
    roles = [(role.responsible_id, role.deputy_id) for role in responsibilities]
    lines = tuple(
        MatrixLine(
            person=people[row.person],
            cells=row.cells,
            responsible=row.load.responsible,
            deputy=row.load.deputy,
            share=row.load.share,
        )
        for row in rules.role_matrix(roles)
    )
    return RoleMatrix(responsibilities=responsibilities, lines=lines)


@dataclass(frozen=True)
class HandOverPreview:
    """What a hand-over would move: the person's roles in draft and active agreements."""

    responsibilities: list[Responsibility]
    deputyships: list[Responsibility]
    representations: list[Representative]
    sponsorships: list[Anchoring]
    coordinator_roles: list[Agreement]

    @property
    def total(self) -> int:
        return (
            len(self.responsibilities)
            + len(self.deputyships)
            + len(self.representations)
            + len(self.sponsorships)
            + len(self.coordinator_roles)
        )


def hand_over_preview(person: Person) -> HandOverPreview:
    """The same selection as services.person_hand_over, read for display (five queries)."""
    open_filter = {"agreement__status__in": OPEN_STATUSES}
    return HandOverPreview(
        responsibilities=list(
            Responsibility.objects.filter(responsible=person, **open_filter).select_related("agreement", "deputy")
        ),
        deputyships=list(
            Responsibility.objects.filter(deputy=person, **open_filter).select_related("agreement", "responsible")
        ),
        representations=list(
            Representative.objects.filter(person=person, **open_filter).select_related(
                "agreement", "party__organization"
            )
        ),
        sponsorships=list(
            Anchoring.objects.filter(person=person, **open_filter).select_related("agreement", "party__organization")
        ),
        coordinator_roles=list(Agreement.objects.filter(coordinator=person, status__in=OPEN_STATUSES)),
    )


class HandOverForm(forms.Form):
    """Who takes over a leaving person's roles, and the day the person leaves."""

    left_on = forms.DateField(
        label=_("Left on"),
        initial=timezone.localdate,
        widget=AdminDateWidget,
        help_text=_("From this day the person counts as having left."),
    )

    def __init__(self, *args, person: Person, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        if person.left_on is not None:
            self.fields["left_on"].initial = person.left_on  # already recorded: keep that day
        # The admin's person search (autocomplete) picks the successor; only an active person other
        # than the leaving one is accepted.
        self.fields = {
            "successor": forms.ModelChoiceField(
                queryset=Person.objects.active().exclude(pk=person.pk),
                label=_("Successor"),
                widget=AutocompleteSelect(Responsibility._meta.get_field("responsible"), admin_site),
                help_text=_("Takes over every role in draft and active agreements."),
                error_messages={"invalid_choice": _("Choose an active person other than the one leaving.")},
            ),
            **self.fields,
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Show the hand-over service's refusal on the form (on its field where the form has one)."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


class HandOverDeputiesForm(forms.Form):
    """A new deputy for each role that would otherwise lose its deputy in the hand-over (the successor
    already holds the other half of it). Left empty, the role has no deputy; the page says so first."""

    def __init__(self, *args, conflicts, person: Person, successor: Person, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflicts = conflicts
        candidates = Person.objects.active().exclude(pk__in=[person.pk, successor.pk])
        for role in conflicts:
            self.fields[f"deputy_{role.pk}"] = forms.ModelChoiceField(
                queryset=candidates,
                required=False,
                label=_("New deputy for %(role)s in %(agreement)s") % {"role": role.title, "agreement": role.agreement},
                widget=AutocompleteSelect(Responsibility._meta.get_field("deputy"), admin_site),
                help_text=_("Leave empty to leave the role without a deputy."),
                error_messages={
                    "invalid_choice": _("Choose an active person other than the one leaving and the successor.")
                },
            )

    def chosen(self) -> dict[int, Person | None]:
        return {role.pk: self.cleaned_data.get(f"deputy_{role.pk}") for role in self.conflicts}


def hand_over_message(person: Person, successor: Person, summary: HandOverSummary) -> str:
    return _(
        "The roles of %(person)s were handed over to %(successor)s (responsibilities: %(responsibilities)d, "
        "deputyships: %(deputyships)d, representations: %(representations)d, sponsorships: %(sponsorships)d, "
        "coordinator roles: %(coordinator_roles)d)."
    ) % {
        "person": person,
        "successor": successor,
        "responsibilities": summary.responsibilities,
        "deputyships": summary.deputyships,
        "representations": summary.representations,
        "sponsorships": summary.sponsorships,
        "coordinator_roles": summary.coordinator_roles,
    }


def without_deputy_message(summary: HandOverSummary) -> str:
    return ngettext(
        "%(count)d role now has no deputy: name one on the agreement's page.",
        "%(count)d roles now have no deputy: name them on the agreements' pages.",
        summary.without_deputy,
    ) % {"count": summary.without_deputy}
