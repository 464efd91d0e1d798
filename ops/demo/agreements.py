"""Demo agreements over the demo register (ops/demo/register.py), and the service that seeds them.

The agreements are declared in ``data/agreements.toml`` (its header describes the fields; people are
referred to by e-mail and organisations by their key in ``data/register.toml``); ``load_agreements``
reads them into ``AgreementSeed`` and its parts. Nine fictional agreements between the register's
organisations. Some are sound — every role has a deputy, every party has a decision or plan and a
sponsor, every party has someone who may decide — and some carry the risks the source text warns about
(seeds/002: "Undvik pyspunka i samverkan"), so the risk engine has something to find:

* ``KS 2025/0412`` Unga till arbete and ``RS 2025/0961`` Kompetensförsörjning vård och omsorg: sound.
* ``KS 2024/0188`` Lokalt näringslivsråd: one person holds nearly every role, without deputies
  (bus factor 1: "bättre att fler personer halvbrinner än att en person tokbrinner").
* ``851-4412-2025`` Föreningsliv för integration: Ådala kommun signed but has no internal anchoring
  at all — no decision, no plan, no sponsor ("gena förbi den interna förankringen").
* ``KS 2024/0871`` Trygg i centrum: a person who has left (Elin Mattsson) still holds a role and
  still represents her party.
* ``RS 2024/1307`` Innovationsarena hälsa: the review date has passed.
* ``RS 2023/0745`` Klimatomställning i länet: ends within 60 days of seeding.
* ``SN 2026/0093`` Samverkan kring barn och unga i riskzon: a draft being prepared.
* ``KS 2023/0517`` Mötesplats Norrby: terminated early.

The rule for re-running (``make run`` seeds on every start):

* An agreement is found by its reference (diarienummer). A missing one is created whole — parties,
  representatives, responsibilities, anchorings, commitments — through the services, so every
  validation holds, and then taken through its lifecycle (activated, or activated and terminated).
* An agreement that already exists is left exactly as it is, with everything in it; its rows are
  counted as unchanged. Unlike the register, the agreements are not restored to their declared
  form: the demo invites users to fix the risks (hand a departed person's roles over, add the
  missing anchoring) and a re-run must not undo that or bring removed rows back.
* Dates are declared relative to the day the agreement is created (``FromToday``, written "+3m" or
  "-10d" in the data file) so a fresh demo always has an overdue review and an agreement about to
  expire. They are fixed when the row is created and never moved afterwards, so re-running on a later
  day changes nothing either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.choices import AgreementStatus, Ambition, AnchoringKind, CommitmentStatus, Mandate, PartyRole
from agreements.choices import ResponsibilityKind as Kind
from agreements.models import Agreement, Anchoring, Commitment, Party, Representative, Responsibility
from agreements.services import agreement_activate, agreement_terminate, record_create
from ops.demo.datafiles import DATA_DIR, DateSeed, DemoDataError, build, choice, date_seed, read, resolve_date, tables
from ops.demo.register import SeedSummary, load_register
from stakeholders.models import Organization, Person

# The models seeded here, in the order their summary lines are printed.
SEEDED_MODELS = (Agreement, Party, Representative, Responsibility, Anchoring, Commitment)

DATA_FILE = "agreements.toml"


@dataclass(frozen=True)
class RepresentativeSeed:
    email: str
    mandate: Mandate
    hours_per_month: int | str  # whole or decimal hours, e.g. 4 or "2.5"
    is_primary: bool = False


@dataclass(frozen=True)
class AnchoringSeed:
    kind: AnchoringKind
    body: str = ""
    reference: str = ""
    date: DateSeed = None
    sponsor: str | None = None  # e-mail of the named manager, for kind SPONSOR
    note: str = ""


@dataclass(frozen=True)
class CommitmentSeed:
    description: str
    due_on: DateSeed
    status: CommitmentStatus = CommitmentStatus.PLANNED
    responsible: str | None = None  # e-mail


@dataclass(frozen=True)
class PartySeed:
    organization: str  # key of an organisation in data/register.toml
    role: PartyRole
    contribution: str
    representatives: tuple[RepresentativeSeed, ...]
    anchorings: tuple[AnchoringSeed, ...] = ()
    commitments: tuple[CommitmentSeed, ...] = ()


@dataclass(frozen=True)
class ResponsibilitySeed:
    title: str
    kind: Kind
    responsible: str  # e-mail
    deputy: str | None = None  # e-mail
    description: str = ""


@dataclass(frozen=True)
class AgreementSeed:
    reference: str  # the natural key
    title: str
    purpose: str
    goals: str
    ambition: Ambition
    status: AgreementStatus  # draft, active or terminated
    valid_from: DateSeed
    valid_to: DateSeed
    next_review_on: DateSeed
    coordinator: str  # e-mail
    parties: tuple[PartySeed, ...]
    responsibilities: tuple[ResponsibilitySeed, ...]
    review_interval_months: int = 12
    assessment_interval_months: int = 12
    notice_period_months: int | None = 6
    terminated_on: DateSeed = None
    termination_reason: str = ""


def load_agreements(data_dir: Path = DATA_DIR) -> tuple[AgreementSeed, ...]:
    """The agreements declared in ``agreements.toml``."""
    document = read(DATA_FILE, data_dir)
    agreements: list[AgreementSeed] = []
    for index, table in enumerate(tables(document, "agreement", DATA_FILE), start=1):
        where = f"{DATA_FILE}, agreement {table.get('reference', f'#{index}')!r}"
        parties = tuple(
            _party(party, f"{where}, party {party.get('organization', f'#{number}')!r}")
            for number, party in enumerate(tables(table, "party", where), start=1)
        )
        responsibilities = tuple(
            build(
                ResponsibilitySeed,
                role,
                f"{where}, responsibility {role.get('title', f'#{number}')!r}",
                convert={"kind": choice(Kind)},
            )
            for number, role in enumerate(tables(table, "responsibilities", where), start=1)
        )
        dates = {name: date_seed for name in ("valid_from", "valid_to", "next_review_on", "terminated_on")}
        seed = build(
            AgreementSeed,
            table,
            where,
            convert={"ambition": choice(Ambition), "status": choice(AgreementStatus), **dates},
            skip={"party", "responsibilities"},
            defaults={"next_review_on": None},  # a draft may have no review date yet
            parties=parties,
            responsibilities=responsibilities,
        )
        if any(seed.reference == other.reference for other in agreements):
            raise DemoDataError(f"{where}: the reference is declared twice")
        agreements.append(seed)
    return tuple(agreements)


def _party(table: dict[str, Any], where: str) -> PartySeed:
    representatives = tuple(
        build(
            RepresentativeSeed,
            rep,
            f"{where}, representative {rep.get('email', f'#{number}')!r}",
            convert={"mandate": choice(Mandate), "hours_per_month": _hours},
        )
        for number, rep in enumerate(tables(table, "representatives", where), start=1)
    )
    anchorings = tuple(
        build(
            AnchoringSeed,
            anchoring,
            f"{where}, anchoring #{number}",
            convert={"kind": choice(AnchoringKind), "date": date_seed},
        )
        for number, anchoring in enumerate(tables(table, "anchorings", where), start=1)
    )
    commitments = tuple(
        build(
            CommitmentSeed,
            commitment,
            f"{where}, commitment #{number}",
            convert={"due_on": date_seed, "status": choice(CommitmentStatus)},
        )
        for number, commitment in enumerate(tables(table, "commitments", where), start=1)
    )
    return build(
        PartySeed,
        table,
        where,
        convert={"role": choice(PartyRole)},
        skip={"representatives", "anchorings", "commitments"},
        representatives=representatives,
        anchorings=anchorings,
        commitments=commitments,
    )


def _hours(value: Any) -> int | str:
    """Whole hours as a number, decimal hours as a string ("2.5") so they are read exactly."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            Decimal(value)
        except InvalidOperation:
            pass
        else:
            return value
    raise ValueError(f'{value!r}: write whole hours as a number (4) and decimal hours as a string ("2.5")')


@transaction.atomic
def seed_demo_agreements(*, today: date | None = None) -> SeedSummary:
    """Create the demo agreements that do not exist yet (by reference); existing ones are left alone.

    Needs the demo register (``ops.demo.register.seed_demo_register``) to be loaded first.
    """
    today = today or timezone.localdate()
    declared = load_agreements()
    summary = SeedSummary()
    for model in SEEDED_MODELS:
        summary.counts_for(model)
    existing = set(
        Agreement.objects.filter(reference__in=[seed.reference for seed in declared]).values_list(
            "reference", flat=True
        )
    )
    missing = [seed for seed in declared if seed.reference not in existing]
    organizations, people = _register(missing)
    for seed in declared:
        if seed.reference in existing:
            _count_declared(seed, summary, "unchanged")
        else:
            _create_agreement(seed, organizations, people, today)
            _count_declared(seed, summary, "created")
    return summary


def _create_agreement(
    seed: AgreementSeed, organizations: dict[str, Organization], people: dict[str, Person], today: date
) -> Agreement:
    """Create the agreement as a draft with all its rows, then take it through its lifecycle."""
    agreement = record_create(
        model=Agreement,
        title=seed.title,
        reference=seed.reference,
        purpose=seed.purpose,
        goals=seed.goals,
        ambition=seed.ambition,
        valid_from=resolve_date(seed.valid_from, today),
        valid_to=resolve_date(seed.valid_to, today),
        notice_period_months=seed.notice_period_months,
        review_interval_months=seed.review_interval_months,
        next_review_on=resolve_date(seed.next_review_on, today),
        assessment_interval_months=seed.assessment_interval_months,
        coordinator=people[seed.coordinator],
    )
    for party_seed in seed.parties:
        party = record_create(
            model=Party,
            agreement=agreement,
            organization=organizations[party_seed.organization],
            role=party_seed.role,
            contribution=party_seed.contribution,
        )
        for rep_seed in party_seed.representatives:
            record_create(
                model=Representative,
                party=party,
                person=people[rep_seed.email],
                mandate=rep_seed.mandate,
                hours_per_month=Decimal(str(rep_seed.hours_per_month)),
                is_primary=rep_seed.is_primary,
            )
        for anchoring_seed in party_seed.anchorings:
            record_create(
                model=Anchoring,
                party=party,
                kind=anchoring_seed.kind,
                body=anchoring_seed.body,
                reference=anchoring_seed.reference,
                date=resolve_date(anchoring_seed.date, today),
                person=people[anchoring_seed.sponsor] if anchoring_seed.sponsor else None,
                note=anchoring_seed.note,
            )
        for commitment_seed in party_seed.commitments:
            record_create(
                model=Commitment,
                party=party,
                description=commitment_seed.description,
                due_on=resolve_date(commitment_seed.due_on, today),
                status=commitment_seed.status,
                responsible=people[commitment_seed.responsible] if commitment_seed.responsible else None,
            )
    for role_seed in seed.responsibilities:
        record_create(
            model=Responsibility,
            agreement=agreement,
            title=role_seed.title,
            kind=role_seed.kind,
            description=role_seed.description,
            responsible=people[role_seed.responsible],
            deputy=people[role_seed.deputy] if role_seed.deputy else None,
        )
    if seed.status == AgreementStatus.DRAFT:
        return agreement
    if seed.status not in (AgreementStatus.ACTIVE, AgreementStatus.TERMINATED):
        raise ValueError(f"demo agreement {seed.reference}: status {seed.status} cannot be seeded")
    agreement = agreement_activate(agreement=agreement)
    if seed.status == AgreementStatus.TERMINATED:
        agreement = agreement_terminate(
            agreement=agreement, on=resolve_date(seed.terminated_on, today), reason=seed.termination_reason
        )
    return agreement


def _count_declared(seed: AgreementSeed, summary: SeedSummary, outcome: str) -> None:
    """Count the agreement and every row declared in it as ``outcome`` (created or unchanged)."""
    sizes = {
        Agreement: 1,
        Party: len(seed.parties),
        Representative: sum(len(p.representatives) for p in seed.parties),
        Responsibility: len(seed.responsibilities),
        Anchoring: sum(len(p.anchorings) for p in seed.parties),
        Commitment: sum(len(p.commitments) for p in seed.parties),
    }
    for model, size in sizes.items():
        counts = summary.counts_for(model)
        setattr(counts, outcome, getattr(counts, outcome) + size)


def _register(seeds: list[AgreementSeed]) -> tuple[dict[str, Organization], dict[str, Person]]:
    """The register's organisations (by seed key) and people (by e-mail) that ``seeds`` refer to."""
    org_keys, emails = set(), set()
    for seed in seeds:
        emails.add(seed.coordinator)
        emails.update(r.responsible for r in seed.responsibilities)
        emails.update(r.deputy for r in seed.responsibilities if r.deputy)
        for party in seed.parties:
            org_keys.add(party.organization)
            emails.update(r.email for r in party.representatives)
            emails.update(a.sponsor for a in party.anchorings if a.sponsor)
            emails.update(c.responsible for c in party.commitments if c.responsible)

    organizations: dict[str, Organization] = {}
    for org_seed in load_register().organizations:  # parents are declared before their children
        if org_seed.org_number:
            found = Organization.objects.filter(org_number=org_seed.org_number).first()
        elif org_seed.parent in organizations:
            found = Organization.objects.filter(
                parent=organizations[org_seed.parent], name__iexact=org_seed.name
            ).first()
        else:
            found = None
        if found is not None:
            organizations[org_seed.key] = found
    people = {}
    for email in emails:
        found = Person.objects.filter(email__iexact=email).first()
        if found is not None:
            people[email] = found

    absent = sorted(org_keys - set(organizations)) + sorted(emails - set(people))
    if absent:
        raise ValidationError(
            _("The demo register is not loaded or lacks %(missing)s; load the demo register first.")
            % {"missing": ", ".join(absent)}
        )
    return organizations, people
