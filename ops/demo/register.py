"""The demo register: a fictional Swedish county with its actors and people, and the service that seeds it.

The organisations and their people are declared in ``data/register.toml`` (its header describes the
fields); ``load_register`` reads them into ``OrganizationSeed`` and ``PersonSeed``. Everything there is
fictional (names, organisation numbers, e-mail domains under ``example.se``, phone numbers from the range
PTS reserves for fiction). Other seeds refer to an organisation by its seed ``key`` and to a person by
``email`` (e.g. an agreement's parties and role holders); a new kind of register row gets a
``_seed_<things>`` step in ``seed_demo_register`` and its counts in the same ``SeedSummary``.

Seeding is idempotent: a row is found by its natural key (organisation number; for a förvaltning,
which shares its municipality's number, the parent and the name; a person's e-mail), created when
missing, updated only in the fields that differ, and left untouched — no save, no history row —
when it already matches.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from ops.demo.datafiles import DATA_DIR, DemoDataError, build, calendar_date, choice, read, tables
from stakeholders.choices import Language, Sector
from stakeholders.models import Organization, Person
from stakeholders.services import organization_create, organization_update, person_create, person_update
from stakeholders.validators import normalize_org_number, normalize_phone

M = TypeVar("M", bound=models.Model)

DATA_FILE = "register.toml"


@dataclass(frozen=True)
class OrganizationSeed:
    key: str  # stable handle for other seeds; not stored
    name: str
    sector: Sector
    power: int
    interest: int
    resource_level: int
    # None for a förvaltning: it is part of its municipality or region and shares its number.
    org_number: str | None = None
    parent: str | None = None  # key of an organisation declared earlier
    resources: str = ""
    drivers: str = ""
    constraints: str = ""


@dataclass(frozen=True)
class PersonSeed:
    email: str  # the natural key; lower case, as Person.clean stores it
    first_name: str
    last_name: str
    organization: str  # key of an OrganizationSeed
    title: str
    phone: str = ""
    language: Language = Language.SWEDISH
    left_on: date | None = None


@dataclass(frozen=True)
class DemoRegister:
    organizations: tuple[OrganizationSeed, ...]  # parents before their children
    people: tuple[PersonSeed, ...]


def load_register(data_dir: Path = DATA_DIR) -> DemoRegister:
    """The organisations and people declared in ``register.toml``, checked for dangling keys."""
    document = read(DATA_FILE, data_dir)
    organizations: list[OrganizationSeed] = []
    people: list[PersonSeed] = []
    keys: set[str] = set()
    emails: set[str] = set()
    for index, table in enumerate(tables(document, "organization", DATA_FILE), start=1):
        where = f"{DATA_FILE}, organisation {table.get('key', f'#{index}')!r}"
        seed = build(
            OrganizationSeed,
            table,
            where,
            convert={"sector": choice(Sector), "org_number": _org_number_in_normal_form},
            skip={"people"},
        )
        if seed.key in keys:
            raise DemoDataError(f"{where}: the key is declared twice")
        if seed.parent is not None and seed.parent not in keys:
            raise DemoDataError(f"{where}: parent {seed.parent!r} is not an organisation declared before it")
        keys.add(seed.key)
        organizations.append(seed)
        for person in tables(table, "people", where):
            person_where = f"{DATA_FILE}, person {person.get('email', '?')!r} of {seed.key!r}"
            person_seed = build(
                PersonSeed,
                person,
                person_where,
                convert={"language": choice(Language), "left_on": calendar_date},
                organization=seed.key,
            )
            if person_seed.email in emails:
                raise DemoDataError(f"{person_where}: the e-mail address is declared twice")
            emails.add(person_seed.email)
            people.append(person_seed)
    return DemoRegister(organizations=tuple(organizations), people=tuple(people))


def _org_number_in_normal_form(value: str) -> str:
    try:
        normal = normalize_org_number(value)
    except ValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from None
    if normal != value:
        raise ValueError(f"write {value!r} as {normal!r}")
    return value


@dataclass
class SeedCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class SeedSummary:
    """What one seeding run did, per model, in the order the models were seeded."""

    counts: dict[type[models.Model], SeedCounts] = field(default_factory=dict)

    def counts_for(self, model: type[models.Model]) -> SeedCounts:
        return self.counts.setdefault(model, SeedCounts())

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.counts.values())


@transaction.atomic
def seed_demo_register() -> SeedSummary:
    """Create or update the demo register through the services; matching rows are left alone."""
    register = load_register()
    summary = SeedSummary()
    organizations = _seed_organizations(register.organizations, summary)
    _seed_people(register.people, organizations, summary)
    return summary


def _seed_organizations(seeds: tuple[OrganizationSeed, ...], summary: SeedSummary) -> dict[str, Organization]:
    """Seed the organisations in order (parents first); return them by seed key."""
    organizations: dict[str, Organization] = {}
    for seed in seeds:
        parent = organizations[seed.parent] if seed.parent else None
        if seed.org_number:
            existing = Organization.objects.filter(org_number=seed.org_number).first()
        else:
            existing = Organization.objects.filter(parent=parent, name__iexact=seed.name).first()
        values = {
            "name": seed.name,
            "org_number": seed.org_number,
            "sector": seed.sector,
            "parent": parent,
            "power": seed.power,
            "interest": seed.interest,
            "resource_level": seed.resource_level,
            "resources": seed.resources,
            "drivers": seed.drivers,
            "constraints": seed.constraints,
        }
        organizations[seed.key] = _create_or_update(
            existing, values, organization_create, organization_update, summary.counts_for(Organization)
        )
    return organizations


def _seed_people(
    seeds: tuple[PersonSeed, ...], organizations: dict[str, Organization], summary: SeedSummary
) -> dict[str, Person]:
    """Seed the people; return them by e-mail."""
    people: dict[str, Person] = {}
    for seed in seeds:
        values = {
            "first_name": seed.first_name,
            "last_name": seed.last_name,
            "email": seed.email,
            # Stored as E.164: compared in that form, so a re-run leaves the person alone.
            "phone": normalize_phone(seed.phone) if seed.phone else "",
            "organization": organizations[seed.organization],
            "title": seed.title,
            "language": seed.language,
            "left_on": seed.left_on,
        }
        existing = Person.objects.filter(email__iexact=seed.email).first()
        people[seed.email] = _create_or_update(
            existing, values, person_create, person_update, summary.counts_for(Person)
        )
    return people


def _create_or_update(
    existing: M | None,
    values: dict,
    create: Callable[..., M],
    update: Callable[..., M],
    counts: SeedCounts,
) -> M:
    """Create the row, or update only the fields that differ; an unchanged row is not saved at all."""
    if existing is None:
        counts.created += 1
        return create(**values)
    changed = _differing_values(existing, values)
    if not changed:
        counts.unchanged += 1
        return existing
    counts.updated += 1
    return update(instance=existing, **changed)


def _differing_values(instance: models.Model, values: dict) -> dict:
    """The part of ``values`` that differs from what ``instance`` holds (relations compared by id)."""
    differing = {}
    for name, wanted in values.items():
        model_field = instance._meta.get_field(name)
        if model_field.is_relation:
            current, wanted_value = getattr(instance, model_field.attname), getattr(wanted, "pk", None)
        else:
            current, wanted_value = getattr(instance, name), wanted
        if current != wanted_value:
            differing[name] = wanted
    return differing
