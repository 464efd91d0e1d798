"""A synthetic portfolio for the risk-scan benchmark (``make bench``, ``manage.py bench_risk_scan``).

Per agreement, on average: 10 people (spread over about one organisation per 2.5 agreements), 4
parties, 1.5 representatives per party, 12 responsibilities and about 2 anchorings per party. Most
agreements are active, some drafts, expired or terminated. A realistic share is risky: roles
without deputies, agreements carried by one person, departed people still holding roles, overdue
reviews, agreements about to end, parties without mandate or anchoring, people responsible in many
agreements. Every row satisfies the database constraints and the models' ``clean`` rules
(representatives, sponsors, responsible people and deputies belong to a party's organisation or
lie below it).

Most active agreements are assessed as the schedule would have it: a closed round of one of the two
shipped instruments within the last year (half of them also one a year before), answered by three to
six of the agreement's people; some were last assessed more than a year ago, some never. A few rounds
score low, divide the respondents on one item, or fall clearly below the round before.

Rows are written with ``bulk_create`` in blocks of ``BLOCK`` agreements, each block with its own
organisations and people and its own random generator seeded from (seed, first agreement index):
so the same seed gives the same portfolio whether it is generated at once or grown in steps along
block boundaries (500, then 4,500 more).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from agreements.choices import (
    AgreementStatus,
    Ambition,
    AnchoringKind,
    Mandate,
    PartyRole,
    ResponsibilityKind,
)
from agreements.models import Agreement, Anchoring, Party, Representative, Responsibility
from assessments.choices import ItemKind, RoundStatus
from assessments.instruments import SAMVERKANSMODELLEN, TESTA_DIN_SAMVERKAN
from assessments.models import Answer, AssessmentRound, Band, Instrument, Item, Respondent
from risks.models import RiskFlag, RiskScan
from stakeholders.choices import Sector
from stakeholders.models import Organization, Person

BLOCK = 500
BATCH_SIZE = 2000

PEOPLE_PER_AGREEMENT = 10
AGREEMENTS_PER_ORGANIZATION = 2.5
PARTY_COUNTS = (3, 4, 4, 5)  # mean 4
ROLE_COUNTS = range(8, 17)  # mean 12
MIN_PEOPLE_PER_ORGANIZATION = 5

# Shares of agreements (exact per block, positions random).
STATUS_SHARES = {
    AgreementStatus.ACTIVE: 0.80,
    AgreementStatus.DRAFT: 0.10,
    AgreementStatus.EXPIRED: 0.06,
    AgreementStatus.TERMINATED: 0.04,
}
SINGLE_PERSON_SHARE = 0.05  # of active agreements: the coordinator carries most roles alone
EXPIRING_SHARE = 0.05  # of active agreements: ends within the warning window
ENDED_SHARE = 0.01  # of active agreements: ended but still marked active
OPEN_ENDED_SHARE = 0.10  # of active agreements: no end date
OVERDUE_SHARE = 0.08  # of draft and active agreements: review date passed
NO_REVIEW_SHARE = 0.05  # of draft and active agreements: no review date
DEPARTED_HOLDER_SHARE = 0.04  # of active agreements: one of the team has left
HUB_EVERY = 100  # one person responsible in HUB_AGREEMENTS agreements per this many agreements
HUB_AGREEMENTS = (5, 8)

# Shares of people and roles (random draws).
DEPARTED_SHARE = 0.015  # of people: left in the past (wherever they are)
LEAVING_SHARE = 0.01  # of people: leave in the future (still active)
NO_DEPUTY_SHARE = 0.10
KEY_PERSON_IN_TEAM = 0.35
SECOND_REPRESENTATIVE = 0.5
FIRST_MANDATES = ((Mandate.DECIDE, 88), (Mandate.PREPARE, 10), (Mandate.NONE, 2))
SECOND_MANDATES = ((Mandate.PREPARE, 60), (Mandate.DECIDE, 25), (Mandate.NONE, 15))
DECISION_SHARE, PLAN_SHARE = 0.80, 0.12  # else neither
SPONSOR_SHARE = 0.92
BRIEFING_SHARE = 0.25

# Assessment rounds of active agreements (exact shares per block, positions random).
ASSESSED_SHARE = 0.80  # a round closed within the last year
ASSESSED_BEFORE_SHARE = 0.50  # of those: also one a year earlier
LATE_SHARE = 0.10  # the last round closed 13 to 24 months ago
LOW_SHARE = DIVIDED_SHARE = DECLINING_SHARE = 0.04  # of the assessed: a low, divided or falling latest round
RESPONDENTS = (3, 6)  # answering; a third of the rounds also have one who never answered
ROUND_DAYS = 14

# (sector, name, weight, people weight); a municipality gets förvaltningar below it.
ORGANIZATION_KINDS = (
    (Sector.MUNICIPALITY, "Kommun", 20, 3.0),
    (Sector.REGION, "Region", 5, 4.0),
    (Sector.STATE_AGENCY, "Myndighet", 10, 2.0),
    (Sector.BUSINESS, "Företag", 25, 0.6),
    (Sector.ACADEMIA, "Lärosäte", 8, 1.5),
    (Sector.CIVIL_SOCIETY, "Förening", 12, 0.5),
)
FORVALTNINGAR = ("Socialförvaltningen", "Utbildningsförvaltningen", "Samhällsbyggnadsförvaltningen")
CHILDREN_PER_MUNICIPALITY = 2
THEMES = (
    "Samverkan kring unga till arbete",
    "Gemensam räddningstjänst",
    "Regional kompetensförsörjning",
    "Trygg och säker skolväg",
    "Tidiga insatser för barn och unga",
    "Näringslivsutveckling i länet",
    "Digital vård i hemmet",
    "Klimatanpassning av kusten",
    "Integration genom föreningsliv",
    "Forskningssamverkan hälsa",
)
FIRST_NAMES = (
    "Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sara", "Anders", "Eva", "Per",
    "Lena", "Mikael", "Emma", "Peter", "Kristina", "Jonas", "Elin", "Fredrik", "Ida", "Magnus",
)  # fmt: skip
LAST_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Lindberg",
)  # fmt: skip
TITLES = ("Handläggare", "Utvecklingsledare", "Enhetschef", "Verksamhetschef", "Projektledare", "Strateg")
ROLE_TITLES = {
    ResponsibilityKind.COORDINATION: "Samordning",
    ResponsibilityKind.STEERING: "Styrgrupp",
    ResponsibilityKind.OPERATIONS: "Genomförande",
    ResponsibilityKind.COMMUNICATION: "Kommunikation",
    ResponsibilityKind.FINANCE: "Ekonomi",
    ResponsibilityKind.FOLLOW_UP: "Uppföljning",
    ResponsibilityKind.OTHER: "Övrigt",
}

# The tables the generator fills and the wipe empties (the flags and scans about them too).
DOMAIN_MODELS = (
    RiskFlag,
    RiskScan,
    Answer,
    Respondent,
    AssessmentRound,
    Anchoring,
    Representative,
    Responsibility,
    Party,
    Agreement,
    Person,
    Organization,
)


# --- the plan of one block (local indices, no database) ----------------------------------------------


@dataclass
class _Org:
    name: str
    sector: str
    parent: int | None
    weight: float
    people: list[int] = field(default_factory=list)
    children: list[int] = field(default_factory=list)


@dataclass
class _Party:
    organization: int
    role: str
    representatives: list[tuple[int, str]]  # (person, mandate); the first is primary
    anchorings: list[tuple[str, int | None]]  # (kind, sponsor)


@dataclass
class _Round:
    instrument: str  # code
    closes_on: date
    level: float  # where the answers lie on the scale, 0 (lowest) to 1 (highest)
    divided: bool  # the respondents far apart on the first item
    respondents: list[int]  # who answered
    silent: int | None  # invited, never answered


@dataclass
class _Agreement:
    number: int
    status: str
    valid_from: date | None
    valid_to: date | None
    next_review_on: date | None
    terminated_on: date | None
    coordinator: int
    parties: list[_Party]
    roles: list[tuple[str, int, int | None]]  # (kind, responsible, deputy)
    rounds: list[_Round] = field(default_factory=list)  # oldest first


@dataclass
class _Block:
    start: int
    today: date
    organizations: list[_Org]
    people: list[tuple[str, str, int, date | None]]  # (first, last, organization, left_on)
    agreements: list[_Agreement]


def _exact(rng: random.Random, population: list[int], share: float, at_least_one: bool = True) -> set[int]:
    """``share`` of the population (rounded; at least one when the population is not empty), at random."""
    k = round(share * len(population))
    if at_least_one and population:
        k = max(k, 1)
    return set(rng.sample(population, min(k, len(population))))


def _weighted(rng: random.Random, choices) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def _plan_organizations(rng: random.Random, start: int, count: int) -> list[_Org]:
    total = max(6, round(count / AGREEMENTS_PER_ORGANIZATION))
    orgs: list[_Org] = []
    weights = [kind[2] for kind in ORGANIZATION_KINDS]
    while len(orgs) < total:
        sector, label, _w, size = rng.choices(ORGANIZATION_KINDS, weights)[0]
        parent = len(orgs)
        orgs.append(_Org(f"{label} {start}-{parent}", sector, None, size))
        if sector == Sector.MUNICIPALITY:
            for name in FORVALTNINGAR[: min(CHILDREN_PER_MUNICIPALITY, total - len(orgs))]:
                orgs[parent].children.append(len(orgs))
                orgs.append(_Org(name, sector, parent, size / 2))
    return orgs


def _plan_people(rng: random.Random, orgs: list[_Org], total: int, today: date) -> list[list]:
    owners = [index for index in range(len(orgs)) for _ in range(MIN_PEOPLE_PER_ORGANIZATION)]
    extra = max(0, total - len(owners))
    owners += rng.choices(range(len(orgs)), [org.weight for org in orgs], k=extra)
    people = []
    for person, org in enumerate(sorted(owners)):  # sorted: an organisation's first person is its head
        orgs[org].people.append(person)
        roll = rng.random()
        left_on = None
        if roll < DEPARTED_SHARE:
            left_on = today - timedelta(days=rng.randint(1, 700))
        elif roll < DEPARTED_SHARE + LEAVING_SHARE:
            left_on = today + timedelta(days=rng.randint(1, 120))
        people.append([rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), org, left_on])
    return people


def _pool(orgs: list[_Org], org: int) -> list[int]:
    """Everyone who belongs to the organisation: its own people and those of the units below it."""
    return orgs[org].people + [person for child in orgs[org].children for person in orgs[child].people]


def _team(rng: random.Random, orgs: list[_Org], org: int) -> list[int]:
    """The party's people in one agreement: often its head, plus one or two others (from a unit below)."""
    own = orgs[org].people
    head, others = own[0], own[1:]
    team = [head] if rng.random() < KEY_PERSON_IN_TEAM else []
    if orgs[org].children and rng.random() < 0.3:
        others = [person for person in _pool(orgs, org) if person != head]
    team += rng.sample(others, min(len(others), rng.randint(1, 2) + (not team)))
    return team


def _plan_party(rng: random.Random, orgs: list[_Org], org: int, role: str, team: list[int]) -> _Party:
    representatives = [(team[0], _weighted(rng, FIRST_MANDATES))]
    if len(team) > 1 and rng.random() < SECOND_REPRESENTATIVE:
        representatives.append((team[1], _weighted(rng, SECOND_MANDATES)))
    anchorings: list[tuple[str, int | None]] = []
    roll = rng.random()
    if roll < DECISION_SHARE:
        anchorings.append((AnchoringKind.DECISION, None))
    elif roll < DECISION_SHARE + PLAN_SHARE:
        anchorings.append((AnchoringKind.PLAN, None))
    if rng.random() < SPONSOR_SHARE:
        pool = orgs[org].people if rng.random() < 0.8 else _pool(orgs, org)
        sponsor = orgs[org].people[0] if rng.random() < 0.7 else rng.choice(pool)
        anchorings.append((AnchoringKind.SPONSOR, sponsor))
    if rng.random() < BRIEFING_SHARE:
        anchorings.append((AnchoringKind.BRIEFING, None))
    return _Party(org, role, representatives, anchorings)


def _plan_roles(
    rng: random.Random, members: list[int], coordinator: int, single: bool, hub: int | None
) -> list[tuple[str, int, int | None]]:
    count = rng.choice(ROLE_COUNTS)
    kinds = list(ResponsibilityKind.values)
    weights = [3 if person == coordinator else 1 for person in members]
    roles = []
    alone = math.ceil(0.6 * count) if single else 0
    for index in range(count):
        kind = ResponsibilityKind.COORDINATION if index == 0 else rng.choice(kinds)
        if index < alone:
            roles.append((kind, coordinator, None))
            continue
        responsible = hub if (hub is not None and index == alone) else rng.choices(members, weights)[0]
        deputy = None
        others = [person for person in members if person != responsible]
        if others and rng.random() >= NO_DEPUTY_SHARE:
            deputy = rng.choice(others)
        roles.append((kind, responsible, deputy))
    return roles


def _dates(rng: random.Random, status: str, today: date, *, expiring: bool, ended: bool, open_ended: bool):
    """(valid_from, valid_to, terminated_on) for the status and risk profile."""
    day = timedelta(days=1)
    if status == AgreementStatus.DRAFT:
        if rng.random() < 0.5:
            return None, None, None
        valid_from = today + rng.randint(10, 120) * day
        return valid_from, valid_from + rng.randint(365, 1460) * day, None
    if status == AgreementStatus.ACTIVE:
        valid_from = today - rng.randint(30, 1500) * day
        if expiring:
            valid_to = today + rng.randint(0, 59) * day
        elif ended:
            valid_to = max(valid_from, today - rng.randint(1, 25) * day)
        elif open_ended:
            valid_to = None
        else:
            valid_to = today + rng.randint(61, 1400) * day
        return valid_from, valid_to, None
    valid_to = today - rng.randint(1, 700) * day
    valid_from = valid_to - rng.randint(365, 1460) * day
    terminated_on = valid_to - rng.randint(0, 200) * day if status == AgreementStatus.TERMINATED else None
    return valid_from, valid_to, terminated_on


def _plan_rounds(rng: random.Random, agreements: list[_Agreement], today: date) -> None:
    """Assessment rounds for the active agreements, none before an agreement began; then a few of the
    latest rounds made low, divided or lower than the round before."""
    active = [i for i, plan in enumerate(agreements) if plan.status == AgreementStatus.ACTIVE]
    assessed = _exact(rng, active, ASSESSED_SHARE)
    late = _exact(rng, [i for i in active if i not in assessed], LATE_SHARE / (1 - ASSESSED_SHARE))
    before = _exact(rng, sorted(assessed), ASSESSED_BEFORE_SHARE)

    def round_(plan: _Agreement, closes_on: date, level: float) -> _Round | None:
        if plan.valid_from is None or closes_on - timedelta(days=ROUND_DAYS) < plan.valid_from:
            return None
        holders = (person for _kind, responsible, deputy in plan.roles for person in (responsible, deputy))
        people = [person for person in dict.fromkeys(holders) if person is not None]
        answering = rng.sample(people, min(len(people), rng.randint(*RESPONDENTS)))
        others = [person for person in people if person not in answering]
        silent = rng.choice(others) if others and rng.random() < 1 / 3 else None
        instrument = rng.choice((TESTA_DIN_SAMVERKAN, SAMVERKANSMODELLEN))
        return _Round(instrument, closes_on, level, False, answering, silent)

    recent, both = [], []
    for i in sorted(assessed | late):
        plan = agreements[i]
        days_ago = rng.randint(395, 730) if i in late else rng.randint(20, 330)
        latest = round_(plan, today - timedelta(days=days_ago), rng.uniform(0.55, 0.85))
        if latest is None:
            continue
        plan.rounds = [latest]
        if i in before:
            earlier = round_(plan, today - timedelta(days=days_ago + 365), latest.level + rng.uniform(-0.05, 0.03))
            if earlier is not None:
                plan.rounds.insert(0, earlier)
                if earlier.instrument == latest.instrument:
                    both.append(i)
        if i in assessed:
            recent.append(i)
    low = _exact(rng, recent, LOW_SHARE)
    divided = _exact(rng, [i for i in recent if i not in low], DIVIDED_SHARE)
    declining = _exact(
        rng, [i for i in both if i not in low | divided], DECLINING_SHARE * len(recent) / max(len(both), 1)
    )
    for i in low:
        agreements[i].rounds[-1].level = 0.25
    for i in divided:
        agreements[i].rounds[-1].divided = True
    for i in declining:
        agreements[i].rounds[0].level = min(1.0, agreements[i].rounds[-1].level + 0.3)


def _plan_block(start: int, count: int, seed: int, today: date) -> _Block:
    rng = random.Random(f"samverkan-bench:{seed}:{start}")
    orgs = _plan_organizations(rng, start, count)
    people = _plan_people(rng, orgs, count * PEOPLE_PER_AGREEMENT, today)

    statuses = [status for status, share in STATUS_SHARES.items() for _ in range(round(share * count))]
    statuses = (statuses + [AgreementStatus.ACTIVE] * count)[:count]
    rng.shuffle(statuses)
    active = [i for i, status in enumerate(statuses) if status == AgreementStatus.ACTIVE]
    open_ = [i for i, status in enumerate(statuses) if status in (AgreementStatus.DRAFT, AgreementStatus.ACTIVE)]
    single = _exact(rng, active, SINGLE_PERSON_SHARE)
    expiring = _exact(rng, active, EXPIRING_SHARE)
    ended = _exact(rng, [i for i in active if i not in expiring], ENDED_SHARE, at_least_one=False)
    open_ended = _exact(rng, [i for i in active if i not in expiring | ended], OPEN_ENDED_SHARE, at_least_one=False)
    overdue = _exact(rng, open_, OVERDUE_SHARE)
    no_review = _exact(rng, [i for i in open_ if i not in overdue], NO_REVIEW_SHARE, at_least_one=False)
    departed_holder = _exact(rng, active, DEPARTED_HOLDER_SHARE)
    # Hubs: an organisation's head responsible in several active agreements of the block.
    hub_of: dict[int, int] = {}
    top_level = [index for index, org in enumerate(orgs) if org.parent is None]
    for hub_org in rng.sample(top_level, min(len(top_level), max(1, round(count / HUB_EVERY)))):
        for i in rng.sample(active, min(len(active), rng.randint(*HUB_AGREEMENTS))):
            hub_of.setdefault(i, hub_org)

    agreements = []
    for i, status in enumerate(statuses):
        party_orgs = rng.sample(range(len(orgs)), min(len(orgs), rng.choice(PARTY_COUNTS)))
        hub = None
        if i in hub_of:
            if hub_of[i] not in party_orgs:
                party_orgs[-1] = hub_of[i]
            hub = orgs[hub_of[i]].people[0]
        teams = [_team(rng, orgs, org) for org in party_orgs]
        coordinator = rng.choice(teams[0])
        valid_from, valid_to, terminated_on = _dates(
            rng, status, today, expiring=i in expiring, ended=i in ended, open_ended=i in open_ended
        )
        parties = [
            _plan_party(rng, orgs, org, PartyRole.OWNER if n == 0 else rng.choice(PartyRole.values[1:]), teams[n])
            for n, org in enumerate(party_orgs)
        ]
        members = list(dict.fromkeys(person for team in teams for person in team))
        roles = _plan_roles(rng, members, coordinator, i in single, hub)
        next_review_on = None
        if status in (AgreementStatus.DRAFT, AgreementStatus.ACTIVE) and i not in no_review:
            if i in overdue:
                next_review_on = today - timedelta(days=rng.randint(1, 200))
            else:
                next_review_on = today + timedelta(days=rng.randint(1, 365))
        if i in departed_holder:
            holders = [responsible for _kind, responsible, _deputy in roles if responsible != hub]
            leaver = rng.choice(holders or members)
            if people[leaver][3] is None or people[leaver][3] > today:
                people[leaver][3] = today - timedelta(days=rng.randint(1, 300))
        agreements.append(
            _Agreement(
                start + i, status, valid_from, valid_to, next_review_on, terminated_on, coordinator, parties, roles
            )
        )
    _plan_rounds(rng, agreements, today)
    return _Block(start, today, orgs, people, agreements)


# --- writing ---------------------------------------------------------------------------------------


def _bulk(model, objs: list) -> list:
    """Insert ``objs`` and set their ids. On PostgreSQL: the ids drawn from the table's sequence in one query,
    then the rows streamed with one ``COPY`` (no SQL to build, no parameters to parse); elsewhere bulk_create."""
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objs)
    meta = model._meta
    quote = connection.ops.quote_name
    now = timezone.now()
    fields = list(meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
        json_fields = {field.attname for field in fields if field.get_internal_type() == "JSONField"}
        stamped = {
            field.attname
            for field in fields
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        }
        names = [field.attname for field in fields]
        columns = ", ".join(quote(field.column) for field in fields)
        with cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                values = obj.__dict__
                copy.write_row(
                    [
                        now if name in stamped else (json.dumps(values[name]) if name in json_fields else values[name])
                        for name in names
                    ]
                )
    for obj in objs:
        obj._state.adding = False
    return objs


def _write_block(block: _Block, rng: random.Random) -> None:
    orgs = block.organizations
    org_ids: dict[int, int] = {}
    for level in (False, True):  # the municipalities before the förvaltningar below them
        indices = [index for index, org in enumerate(orgs) if (org.parent is not None) == level]
        created = _bulk(
            Organization,
            [
                Organization(
                    name=orgs[index].name,
                    sector=orgs[index].sector,
                    parent_id=org_ids[orgs[index].parent] if level else None,
                    power=rng.randint(1, 5),
                    interest=rng.randint(1, 5),
                    resource_level=rng.randint(1, 5),
                )
                for index in indices
            ],
        )
        org_ids.update(zip(indices, (org.pk for org in created), strict=True))

    people = _bulk(
        Person,
        [
            Person(
                first_name=first,
                last_name=last,
                email=f"p{block.start}-{index}@bench.example.org",
                organization_id=org_ids[org],
                title=TITLES[index % len(TITLES)],
                left_on=left_on,
            )
            for index, (first, last, org, left_on) in enumerate(block.people)
        ],
    )
    person_ids = [person.pk for person in people]

    agreements = _bulk(
        Agreement,
        [
            Agreement(
                title=f"{THEMES[plan.number % len(THEMES)]} {plan.number}",
                reference=f"BENCH {plan.number:06d}",
                ambition=rng.choice(Ambition.values),
                status=plan.status,
                valid_from=plan.valid_from,
                valid_to=plan.valid_to,
                next_review_on=plan.next_review_on,
                review_interval_months=rng.choice((6, 12, 12, 24)),
                coordinator_id=person_ids[plan.coordinator],
                terminated_on=plan.terminated_on,
                termination_reason="Avslutat i förtid." if plan.terminated_on else "",
            )
            for plan in block.agreements
        ],
    )

    party_rows = [
        (agreement.pk, party)
        for agreement, plan in zip(agreements, block.agreements, strict=True)
        for party in plan.parties
    ]
    parties = _bulk(
        Party,
        [
            Party(agreement_id=agreement_id, organization_id=org_ids[party.organization], role=party.role)
            for agreement_id, party in party_rows
        ],
    )
    representatives, anchorings = [], []
    for party, (agreement_id, plan) in zip(parties, party_rows, strict=True):
        for n, (person, mandate) in enumerate(plan.representatives):
            representatives.append(
                Representative(
                    agreement_id=agreement_id,
                    party_id=party.pk,
                    person_id=person_ids[person],
                    mandate=mandate,
                    is_primary=n == 0,
                    hours_per_month=Decimal(rng.choice((2, 4, 8, 16))),
                )
            )
        for kind, sponsor in plan.anchorings:
            anchorings.append(
                Anchoring(
                    agreement_id=agreement_id,
                    party_id=party.pk,
                    kind=kind,
                    body="Styrelsen" if kind != AnchoringKind.SPONSOR else "",
                    date=(block.today - timedelta(days=rng.randint(30, 900)))
                    if kind != AnchoringKind.SPONSOR
                    else None,
                    person_id=person_ids[sponsor] if sponsor is not None else None,
                )
            )
    _bulk(Representative, representatives)
    _bulk(Anchoring, anchorings)
    _bulk(
        Responsibility,
        [
            Responsibility(
                agreement_id=agreement.pk,
                title=f"{ROLE_TITLES[kind]} {n + 1}",
                kind=kind,
                responsible_id=person_ids[responsible],
                deputy_id=person_ids[deputy] if deputy is not None else None,
            )
            for agreement, plan in zip(agreements, block.agreements, strict=True)
            for n, (kind, responsible, deputy) in enumerate(plan.roles)
        ],
    )
    _write_rounds(block, [agreement.pk for agreement in agreements], person_ids, rng)


def _write_rounds(block: _Block, agreement_ids: list[int], person_ids: list[int], rng: random.Random) -> None:
    instruments = {
        instrument.code: instrument
        for instrument in Instrument.objects.filter(code__in=(TESTA_DIN_SAMVERKAN, SAMVERKANSMODELLEN), version=1)
    }
    if len(instruments) < 2 and any(plan.rounds for plan in block.agreements):
        raise RuntimeError("The shipped assessment instruments are missing: run manage.py migrate first.")
    code_of = {instrument.pk: code for code, instrument in instruments.items()}
    items: dict[str, list[int]] = {code: [] for code in instruments}
    for item_id, instrument_id in (
        Item.objects.filter(instrument__in=instruments.values(), kind=ItemKind.SCALE)
        .order_by("position")
        .values_list("id", "instrument_id")
    ):
        items[code_of[instrument_id]].append(item_id)
    plans = [
        (agreement_id, found)
        for agreement_id, plan in zip(agreement_ids, block.agreements, strict=True)
        for found in plan.rounds
    ]
    rounds = _bulk(
        AssessmentRound,
        [
            AssessmentRound(
                agreement_id=agreement_id,
                instrument=instruments[found.instrument],
                opens_on=found.closes_on - timedelta(days=ROUND_DAYS),
                closes_on=found.closes_on,
                status=RoundStatus.CLOSED,
                opened_at=_moment(found.closes_on - timedelta(days=ROUND_DAYS)),
                closed_at=_moment(found.closes_on + timedelta(days=1)),
            )
            for agreement_id, found in plans
        ],
    )
    respondents, answering = [], []
    for round_, (_agreement_id, found) in zip(rounds, plans, strict=True):
        opened = _moment(round_.opens_on)
        people = [(person, True) for person in found.respondents]
        if found.silent is not None:
            people.append((found.silent, False))
        for place, (person, answered) in enumerate(people):
            nonce = hashlib.md5(f"{block.start}:{round_.pk}:{person}".encode()).hexdigest()  # noqa: S324 (an id, not a secret)
            respondents.append(
                Respondent(
                    round_id=round_.pk,
                    person_id=person_ids[person],
                    nonce=nonce,
                    token_digest=hashlib.sha256(f"bench:{nonce}".encode()).hexdigest(),
                    invited_at=opened,
                    responded_at=opened + timedelta(days=rng.randint(0, ROUND_DAYS - 1)) if answered else None,
                )
            )
            answering.append((found, place) if answered else None)
    respondents = _bulk(Respondent, respondents)
    answers = []
    for respondent, answering_in in zip(respondents, answering, strict=True):
        if answering_in is None:
            continue
        found, place = answering_in
        instrument = instruments[found.instrument]
        low, high = instrument.scale_min, instrument.scale_max
        for n, item_id in enumerate(items[found.instrument]):
            if n == 0 and found.divided:
                value = (low, high)[place % 2]  # the respondents at both ends of the scale
            else:
                value = round(low + (high - low) * min(1.0, max(0.0, rng.gauss(found.level, 0.08))))
            answers.append(Answer(respondent_id=respondent.pk, item_id=item_id, value=value))
    _bulk(Answer, answers)


def _moment(day: date):
    """Noon of ``day`` in the current time zone."""
    return timezone.make_aware(datetime.combine(day, time(12)))


def grow_to(total: int, *, seed: int = 0, today: date | None = None) -> int:
    """Add agreements (with their organisations, people, parties and roles) until there are ``total``;
    returns how many were added. Blocks start at multiples of ``BLOCK`` where they can, so growing
    500 → 5,000 yields the same portfolio as generating 5,000 at once."""
    today = today or timezone.localdate()
    existing = Agreement.objects.count()
    added = 0
    while existing + added < total:
        start = existing + added
        count = min(BLOCK - start % BLOCK, total - start)
        block = _plan_block(start, count, seed, today)
        with transaction.atomic():
            _write_block(block, random.Random(f"samverkan-bench-rows:{seed}:{start}"))
        added += count
    if added and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The instruments' tables too: the scan joins them, and shipped rows alone never trigger autovacuum.
            analyzed = (*DOMAIN_MODELS, Instrument, Item, Band)
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in analyzed))
    return added


def wipe() -> None:
    """Empty the domain tables (and, on PostgreSQL, everything that points at them)."""
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in DOMAIN_MODELS)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # inside a transaction (a test): no pending checks
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        return
    with transaction.atomic():
        for model in DOMAIN_MODELS[:-1]:
            model.objects.all().delete()
        while Organization.objects.exists():  # the units below before the organisations above them
            Organization.objects.filter(children__isnull=True).delete()


def reset_flags() -> None:
    """Forget every flag, so the next scan is a first scan again."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(RiskFlag._meta.db_table)}")
        return
    RiskFlag.objects.all().delete()


def settle_flags() -> None:
    """Vacuum the flags (PostgreSQL): what autovacuum does between two nightly scans, so repeated
    steady-state scans are not timed against the dead rows of the previous ones."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(RiskFlag._meta.db_table)}")


def row_counts() -> dict[str, int]:
    """Rows per domain table (one query each), by model name."""
    return {model._meta.model_name: model.objects.count() for model in DOMAIN_MODELS[::-1]}
