"""The demo dialogue (``data/dialogue.toml``): interactions, follow-ups and a career over the demo agreements.

Seeded after the agreements; a row that exists is left as it is (see the data file's header), so re-running
changes nothing and what users changed stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.choices import FollowUpStatus, InteractionKind
from agreements.models import Agreement, FollowUp, Interaction
from agreements.services import interaction_create, record_create
from ops.demo.datafiles import DateSeed, build, choice, date_seed, read, resolve_date, tables
from ops.demo.register import SeedSummary, load_register
from stakeholders.models import Employment, Organization, Person

DATA_FILE = "dialogue.toml"


@dataclass(frozen=True)
class InteractionSeed:
    kind: InteractionKind
    date: DateSeed
    title: str
    participants: tuple[str, ...]
    agreement: str | None = None
    notes: str = ""
    decisions: str = ""


@dataclass(frozen=True)
class FollowUpSeed:
    description: str
    responsible: str
    due_on: DateSeed
    status: FollowUpStatus = FollowUpStatus.OPEN
    agreement: str | None = None
    interaction: str | None = None


@dataclass(frozen=True)
class PositionSeed:
    organization: str
    title: str
    started_on: DateSeed
    ended_on: DateSeed


@dataclass(frozen=True)
class CareerSeed:
    email: str
    current_since: DateSeed
    earlier: tuple[PositionSeed, ...] = field(default_factory=tuple)


def load_dialogue():
    document = read(DATA_FILE)
    interactions = [
        build(
            InteractionSeed,
            table,
            f"{DATA_FILE}, interaction #{number}",
            convert={"kind": choice(InteractionKind), "date": date_seed, "participants": tuple},
        )
        for number, table in enumerate(tables(document, "interaction", DATA_FILE), start=1)
    ]
    follow_ups = [
        build(
            FollowUpSeed,
            table,
            f"{DATA_FILE}, follow-up #{number}",
            convert={"due_on": date_seed, "status": choice(FollowUpStatus)},
        )
        for number, table in enumerate(tables(document, "follow_up", DATA_FILE), start=1)
    ]
    careers = []
    for number, table in enumerate(tables(document, "career", DATA_FILE), start=1):
        where = f"{DATA_FILE}, career #{number}"
        earlier = tuple(
            build(PositionSeed, position, f"{where}, position #{index}",
                  convert={"started_on": date_seed, "ended_on": date_seed})
            for index, position in enumerate(tables(table, "earlier", where), start=1)
        )
        careers.append(build(CareerSeed, table, where, convert={"current_since": date_seed}, skip={"earlier"},
                             earlier=earlier))
    return interactions, follow_ups, careers


def _person(email: str) -> Person:
    person = Person.objects.filter(email__iexact=email).first()
    if person is None:
        raise ValidationError(
            _("The demo register lacks %(missing)s; load the demo register first.") % {"missing": email}
        )
    return person


def _agreement(reference: str | None) -> Agreement | None:
    if not reference:
        return None
    agreement = Agreement.objects.filter(reference=reference).first()
    if agreement is None:
        raise ValidationError(_("The demo agreement %(reference)s is missing.") % {"reference": reference})
    return agreement


@transaction.atomic
def seed_demo_dialogue(*, today: date | None = None) -> SeedSummary:
    """Create the interactions, follow-ups and career periods of the data file that do not exist yet."""
    today = today or timezone.localdate()
    interactions, follow_ups, careers = load_dialogue()
    summary = SeedSummary()
    by_title: dict[str, Interaction] = {}
    for seed in interactions:
        agreement = _agreement(seed.agreement)
        found = Interaction.objects.filter(agreement=agreement, title=seed.title).first()
        counts = summary.counts_for(Interaction)
        if found is None:
            found = interaction_create(
                kind=seed.kind,
                date=resolve_date(seed.date, today),
                title=seed.title,
                notes=seed.notes,
                decisions=seed.decisions,
                agreement=agreement,
                participants=[_person(email) for email in seed.participants],
            )
            counts.created += 1
        else:
            counts.unchanged += 1
        by_title[seed.title] = found
    for seed in follow_ups:
        counts = summary.counts_for(FollowUp)
        if FollowUp.objects.filter(description=seed.description).exists():
            counts.unchanged += 1
            continue
        record_create(
            model=FollowUp,
            description=seed.description,
            responsible=_person(seed.responsible),
            due_on=resolve_date(seed.due_on, today),
            status=seed.status,
            agreement=_agreement(seed.agreement),
            interaction=by_title.get(seed.interaction) if seed.interaction else None,
        )
        counts.created += 1
    organizations = _organizations()
    for seed in careers:
        counts = summary.counts_for(Employment)
        person = _person(seed.email)
        if Employment.objects.filter(person=person, ended_on__isnull=False).exists():
            counts.unchanged += 1
            continue
        current_since = resolve_date(seed.current_since, today)
        Employment.objects.filter(person=person, ended_on__isnull=True).update(started_on=current_since)
        for position in seed.earlier:
            period = Employment(
                person=person,
                organization=organizations[position.organization],
                title=position.title,
                started_on=resolve_date(position.started_on, today),
                ended_on=min(resolve_date(position.ended_on, today), current_since - timedelta(days=1)),
            )
            period.full_clean()
            period.save()
            counts.created += 1
    return summary


def _organizations() -> dict[str, Organization]:
    """The register's top-level organisations by seed key (careers name those)."""
    found = {}
    for seed in load_register().organizations:
        if seed.org_number:
            organization = Organization.objects.filter(org_number=seed.org_number).first()
            if organization is not None:
                found[seed.key] = organization
    return found
