"""Pure functions over plain data: bus factor, anchoring status, mandate coverage, role concentration.

No ORM here: the risk engine loads a snapshot once and calls these for every agreement.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from agreements.choices import AnchoringKind, AnchoringStatus, Mandate

PersonId = Hashable
# (responsible, deputy or None) for each responsibility of one agreement.
Role = tuple[PersonId, PersonId | None]

EXACT_UP_TO = 3


@dataclass(frozen=True)
class BusFactor:
    value: int | None  # None: the agreement has no responsibilities to lose
    exact: bool
    people: tuple  # one smallest (or greedy) set of people whose departure loses half the roles


class _Losses:
    """The roles of one agreement as counts, so that what a group's departure loses is a few additions.

    A role is lost when its responsible and its deputy (if any) are both gone: a role without a deputy (or
    deputised by its own responsible) is lost with one person (``solo``), a role with a deputy with a pair
    (``pair``). A group loses the solo roles of its members and the pair roles within it. People are numbered
    in the order of their ``repr``, so searches go through groups in a stable order."""

    def __init__(self, roles: list[Role]) -> None:
        self.people = sorted({p for role in roles for p in role if p is not None}, key=repr)
        index = {person: i for i, person in enumerate(self.people)}
        size = len(self.people)
        self.solo = [0] * size
        self.pair = [[0] * size for _ in range(size)]
        self.involved = [0] * size  # the roles each person is responsible or deputy for
        for responsible, deputy in roles:
            for person in {responsible, deputy} - {None}:
                self.involved[index[person]] += 1
            if responsible is None:
                continue  # nobody to lose: never lost
            r = index[responsible]
            if deputy is None or deputy == responsible:
                self.solo[r] += 1
            else:
                d = index[deputy]
                self.pair[r][d] += 1
                self.pair[d][r] += 1

    def lost(self, group: Sequence[int]) -> int:
        """The roles lost when the people numbered ``group`` (distinct) are all gone."""
        solo, pair = self.solo, self.pair
        total = sum(solo[i] for i in group)
        for position, i in enumerate(group):
            row = pair[i]
            for j in group[position + 1 :]:
                total += row[j]
        return total


def _smallest_group(roles: list[Role], up_to: int, losses: _Losses | None = None) -> BusFactor | None:
    """The exact bus factor if it is at most ``up_to`` (exhaustive search), else None."""
    needed = (len(roles) + 1) // 2  # "at least half"
    # One person alone loses exactly the roles they are responsible for without a deputy: a count.
    alone = Counter(responsible for responsible, deputy in roles if deputy is None)
    single = sorted((p for p, lost in alone.items() if lost >= needed), key=repr)
    if single:
        return BusFactor(1, True, (single[0],))
    if up_to < 2:
        return None
    losses = losses or _Losses(roles)
    people, solo, pair = losses.people, losses.solo, losses.pair
    count = len(people)
    # Pairs, then triples, in the order of combinations(); spelled out, as they are most of a page's work.
    for i in range(count):
        lost_i, pair_i = solo[i], pair[i]
        for j in range(i + 1, count):
            if lost_i + solo[j] + pair_i[j] >= needed:
                return BusFactor(2, True, (people[i], people[j]))
    if up_to < 3:
        return None
    for i in range(count):
        lost_i, pair_i = solo[i], pair[i]
        for j in range(i + 1, count):
            lost_ij, pair_j = lost_i + solo[j] + pair_i[j], pair[j]
            for k in range(j + 1, count):
                if lost_ij + solo[k] + pair_i[k] + pair_j[k] >= needed:
                    return BusFactor(3, True, (people[i], people[j], people[k]))
    for size in range(4, min(up_to, count) + 1):
        for group in combinations(range(count), size):
            if losses.lost(group) >= needed:
                return BusFactor(size, True, tuple(people[i] for i in group))
    return None


def bus_factor_below(roles: Sequence[Role], threshold: int) -> BusFactor | None:
    """The exact bus factor when it is below ``threshold``, else None.

    What a risk rule asks ("is it 1?"): the search stops at ``threshold - 1``, so a portfolio of
    thousands of agreements costs a few comparisons per role instead of the full search.
    """
    roles = [(responsible, deputy) for responsible, deputy in roles]
    if not roles or threshold <= 1:
        return None
    return _smallest_group(roles, threshold - 1)


def bus_factor(roles: Sequence[Role]) -> BusFactor:
    """The smallest number of people whose joint departure leaves at least half of the
    responsibilities with neither their responsible nor their deputy.

    Exact (exhaustive search) when the answer is 1–3. Above that, a greedy bound: repeatedly
    remove the person whose departure loses the most further roles (ties: the person holding
    the most roles still covered), until half are lost. The greedy set is a real solution, so the
    bound is never below the exact value; it is reported with ``exact=False``.
    """
    roles = [(responsible, deputy) for responsible, deputy in roles]
    if not roles:
        return BusFactor(None, True, ())
    losses = _Losses(roles)
    found = _smallest_group(roles, EXACT_UP_TO, losses)
    if found is not None:
        return found
    needed = (len(roles) + 1) // 2
    solo, pair, involved = losses.solo, losses.pair, losses.involved
    gone: list[int] = []
    lost = 0
    while lost < needed:
        best = best_key = None
        for person in range(len(losses.people)):
            if person in gone:
                continue
            # What the person's departure adds; a remaining person has lost none of their roles yet, so the
            # roles they still hold are all they are involved in.
            row = pair[person]
            key = (lost + solo[person] + sum(row[other] for other in gone), involved[person])
            if best_key is None or key > best_key:
                best, best_key = person, key
        if best is None:  # nobody left (cannot happen while roles remain to lose)
            break
        gone.append(best)
        lost = best_key[0]
    return BusFactor(len(gone), False, tuple(losses.people[i] for i in gone))


@dataclass(frozen=True)
class AnchoringFact:
    kind: str
    # For a sponsor: is the person active, and do they belong to the party's own organisation?
    person_active: bool = True
    person_in_party: bool = True


def anchoring_status(anchorings: Iterable[AnchoringFact]) -> AnchoringStatus:
    """complete when a decision or plan exists and an active sponsor of the party's own
    organisation is named; otherwise which of the two is missing."""
    facts = list(anchorings)
    has_decision_or_plan = any(f.kind in (AnchoringKind.DECISION, AnchoringKind.PLAN) for f in facts)
    has_sponsor = any(f.kind == AnchoringKind.SPONSOR and f.person_active and f.person_in_party for f in facts)
    if has_decision_or_plan and has_sponsor:
        return AnchoringStatus.COMPLETE
    if has_sponsor:
        return AnchoringStatus.DECISION_OR_PLAN_MISSING
    if has_decision_or_plan:
        return AnchoringStatus.SPONSOR_MISSING
    return AnchoringStatus.MISSING


@dataclass(frozen=True)
class MandateCoverage:
    parties: int
    with_decide: int
    missing: tuple  # the party keys without a representative who may decide

    @property
    def ratio(self) -> float | None:
        return None if self.parties == 0 else self.with_decide / self.parties


def mandate_coverage(mandates_by_party: dict[Hashable, Iterable[str]]) -> MandateCoverage:
    """How many parties have at least one (active) representative with mandate to decide."""
    missing = tuple(party for party, mandates in mandates_by_party.items() if Mandate.DECIDE not in set(mandates))
    total = len(mandates_by_party)
    return MandateCoverage(parties=total, with_decide=total - len(missing), missing=missing)


@dataclass(frozen=True)
class PersonLoad:
    person: PersonId
    responsible: int
    deputy: int
    share: float  # share of the agreement's responsibilities this person is responsible for


def role_concentration(roles: Sequence[Role]) -> list[PersonLoad]:
    """Per person: responsible and deputy counts and the share of roles held, most loaded first."""
    total = len(roles)
    responsible = Counter(r for r, _d in roles)
    deputy = Counter(d for _r, d in roles if d is not None)
    people = set(responsible) | set(deputy)
    loads = [PersonLoad(p, responsible[p], deputy[p], responsible[p] / total if total else 0.0) for p in people]
    return sorted(loads, key=lambda load: (-load.responsible, -load.deputy, repr(load.person)))


@dataclass(frozen=True)
class MatrixRow:
    person: PersonId
    cells: tuple  # per responsibility: "R", "D" or ""
    load: PersonLoad


def role_matrix(roles: Sequence[Role]) -> list[MatrixRow]:
    """People × responsibilities, marking responsible (R) and deputy (D), most loaded first."""
    rows = []
    for load in role_concentration(roles):
        cells = tuple("R" if r == load.person else "D" if d == load.person else "" for r, d in roles)
        rows.append(MatrixRow(load.person, cells, load))
    return rows
