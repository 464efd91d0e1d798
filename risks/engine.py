"""The risk engine's vocabulary: plain facts about the portfolio, findings, and the rule registry.

No ORM here. ``risks.facts`` loads the facts with a fixed number of queries, the rule functions
(``risks.rules.agreements``, ``risks.rules.assessments`` and any app that registers more) turn them into
findings, and ``risks.scans`` reconciles the findings with the stored flags.

A rule plugs in with ``register_rule``: an *agreement* rule is called once per agreement of the
scan (and so runs in chunks over several workers); a *portfolio* rule is called once per scan
with facts that span agreements (a person's load across the portfolio). A rule that needs data
beyond the agreement facts registers a ``loader`` too: called once per scan (or chunk) with the
agreement ids, it returns ``{agreement_id: value}``, found afterwards in ``AgreementFacts.extra``.
"""

from __future__ import annotations

from calendar import monthrange
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import repeat
from operator import attrgetter
from typing import Any, NamedTuple

from agreements.choices import AgreementStatus
from risks.choices import Severity, SubjectType

# --- facts ------------------------------------------------------------------------------------


# The scan builds these straight from database rows (``tuple.__new__``, no Python-level constructor):
# the fields are in the order of the columns read, the owner's id last.


class RoleFacts(NamedTuple):
    id: int
    responsible_id: int
    deputy_id: int | None
    agreement_id: int | None = None


class RepresentativeFacts(NamedTuple):
    person_id: int
    mandate: str
    party_id: int | None = None


class AnchoringFacts(NamedTuple):
    kind: str
    person_id: int | None
    person_organization_id: int | None
    party_id: int | None = None


class PartyFacts(NamedTuple):
    id: int
    organization_id: int
    representatives: list[RepresentativeFacts]
    anchorings: list[AnchoringFacts]


@dataclass(slots=True)
class AgreementFacts:
    id: int
    status: str
    valid_from: date | None
    valid_to: date | None
    next_review_on: date | None
    assessment_interval_months: int
    coordinator_id: int | None
    parties: list[PartyFacts] = field(default_factory=list)
    roles: list[RoleFacts] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # what registered loaders add


@dataclass(frozen=True, slots=True)
class PortfolioFacts:
    """What spans agreements: who is responsible for which roles in active agreements.

    A scan of the whole portfolio in one process derives them from its snapshot: every person (``complete``).
    A scan in chunks reads them for the people the portfolio rules can flag (responsible in at least
    ``RISK_OVERLOAD_AGREEMENTS`` active agreements) and the ``BUSIEST`` with most roles, all of their roles
    each (risks.facts.portfolio_facts): a portfolio rule that needs other people must widen that read."""

    responsible_in: tuple[tuple[int, int], ...]  # (person id, agreement id) per responsibility
    deputy_in: tuple[tuple[int, int], ...] = ()  # (person id, agreement id) per deputyship
    complete: bool = True


@dataclass(frozen=True)
class ScanContext:
    today: date
    departed: frozenset[int]  # ids of people who have left
    parent_of: Mapping[int, int | None]  # organisation → parent, only for organisations with a parent
    limits: Mapping[str, Any]  # the RISK_* settings (thresholds), read once per scan
    # instrument id → its result bands (min_total, max_total, label_sv, label_en), lowest first
    bands: Mapping[int, tuple[tuple[int, int, str, str], ...]] = field(default_factory=dict)
    # instrument id → (code, name_sv, name_en, scale_min, scale_max)
    instruments: Mapping[int, tuple[str, str, str, int, int]] = field(default_factory=dict)
    # scored item id → (position, short name in Swedish, in English), each falling back on the question
    items: Mapping[int, tuple[int, str, str]] = field(default_factory=dict)

    def is_active(self, person_id: int | None) -> bool:
        return person_id is not None and person_id not in self.departed

    def belongs_to(self, organization_id: int | None, ancestor_id: int) -> bool:
        """The organisation is ``ancestor_id`` or lies below it (a förvaltning inside its kommun)."""
        if organization_id == ancestor_id:
            return True
        seen: set[int] = set()
        current = organization_id
        while current is not None and current not in seen:
            if current == ancestor_id:
                return True
            seen.add(current)
            current = self.parent_of.get(current)
        return False


# --- findings ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Finding:
    rule: str
    subject_type: str
    agreement_id: int | None = None
    party_id: int | None = None
    person_id: int | None = None
    responsibility_id: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def subject_key(self) -> str:
        """The finding's identity within its rule: the same risk on the same subject, scan after scan.
        Related ids (the critical person of an agreement, say) are not part of it."""
        kind = self.subject_type
        if kind == SubjectType.AGREEMENT:
            return f"agreement:{self.agreement_id}"
        if kind == SubjectType.PARTY:
            return f"party:{self.party_id}"
        if kind == SubjectType.RESPONSIBILITY:
            return f"responsibility:{self.responsibility_id}"
        if self.agreement_id is not None:
            return f"person:{self.person_id}@agreement:{self.agreement_id}"
        return f"person:{self.person_id}"


def months_before(day: date, months: int) -> date:
    """``day`` less ``months`` calendar months, the day kept or, past the month's end, its last day: what
    ``day - relativedelta(months=months)`` gives, without building one for each of a scan's thousands of
    agreements."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


# --- the registry ------------------------------------------------------------------------------

AGREEMENT_SCOPE = "agreement"
PORTFOLIO_SCOPE = "portfolio"


@dataclass
class RiskRule:
    code: str
    severity: str
    label: Any  # lazy translatable text
    describe: Callable[[Any], str]  # flag → what is wrong, in the active language
    advice: Any  # lazy translatable text: what to do
    checks: dict[str, Callable[..., Iterable[Finding]]] = field(default_factory=dict)  # scope → check


_RULES: dict[str, RiskRule] = {}
_LOADERS: dict[str, Callable[[list[int], ScanContext], Mapping[int, Any]]] = {}


def register_rule(code: str, *, scope: str = AGREEMENT_SCOPE, severity=None, label=None, describe=None, advice=None):
    """Decorator: register ``check`` as (a check of) the rule ``code``.

    An agreement check is ``check(agreement: AgreementFacts, ctx: ScanContext)``; its findings name
    that agreement. A portfolio check is ``check(portfolio: PortfolioFacts, ctx)``; its findings name
    no agreement (they are reconciled once per scan, not per chunk). The first registration of a
    code gives its severity, label, ``describe(flag)`` and advice; a second one may add a check of
    the other scope.
    """
    if scope not in (AGREEMENT_SCOPE, PORTFOLIO_SCOPE):
        raise ValueError(f"unknown scope {scope!r}")

    def decorator(check):
        rule = _RULES.get(code)
        if rule is None:
            if severity not in Severity.values or label is None or describe is None or advice is None:
                raise ValueError(f"rule {code!r}: severity, label, describe and advice are required")
            rule = _RULES[code] = RiskRule(code, severity, label, describe, advice)
        rule.checks[scope] = check
        return check

    return decorator


def register_loader(key: str):
    """Decorator: ``loader(agreement_ids, ctx) -> {agreement_id: value}`` fills ``AgreementFacts.extra[key]``.
    It runs once per scan or chunk and must use a fixed number of queries."""

    def decorator(loader):
        _LOADERS[key] = loader
        return loader

    return decorator


def rules(scope: str | None = None) -> list[RiskRule]:
    return [rule for rule in _RULES.values() if scope is None or scope in rule.checks]


def loaders() -> dict[str, Callable]:
    return dict(_LOADERS)


def get_rule(code: str) -> RiskRule | None:
    return _RULES.get(code)


def rule_label(code: str) -> str:
    rule = _RULES.get(code)
    return str(rule.label) if rule else code


def rule_choices() -> list[tuple[str, str]]:
    return [(rule.code, str(rule.label)) for rule in _RULES.values()]


def flag_message(flag) -> str:
    """What is wrong and what to do, in the active language."""
    rule = _RULES.get(flag.rule)
    if rule is None:
        return flag.rule
    return f"{rule.describe(flag)} {rule.advice}"


_responsible_id = attrgetter("responsible_id")

# --- running the rules -------------------------------------------------------------------------


def check_agreements(agreements: Iterable[AgreementFacts], ctx: ScanContext) -> list[Finding]:
    """Every agreement rule over every agreement."""
    checks = [(rule.code, rule.checks[AGREEMENT_SCOPE]) for rule in rules(AGREEMENT_SCOPE)]
    findings: list[Finding] = []
    for agreement in agreements:
        for code, check in checks:
            for finding in check(agreement, ctx):
                if finding.agreement_id != agreement.id:
                    raise ValueError(f"rule {code} returned a finding outside agreement {agreement.id}")
                findings.append(finding)
    return findings


def check_portfolio(portfolio: PortfolioFacts, ctx: ScanContext) -> list[Finding]:
    """Every portfolio rule, once."""
    findings: list[Finding] = []
    for rule in rules(PORTFOLIO_SCOPE):
        for finding in rule.checks[PORTFOLIO_SCOPE](portfolio, ctx):
            if finding.agreement_id is not None:
                raise ValueError(f"portfolio rule {rule.code} returned a finding inside an agreement")
            findings.append(finding)
    return findings


def portfolio_facts(agreements: Iterable[AgreementFacts]) -> PortfolioFacts:
    """The portfolio facts derived from a full snapshot (no second read)."""
    responsible_in: list[tuple[int, int]] = []
    deputy_in: list[tuple[int, int]] = []
    for agreement in agreements:
        if agreement.status == AgreementStatus.ACTIVE:
            responsible_in.extend(zip(map(_responsible_id, agreement.roles), repeat(agreement.id)))
            deputy_in.extend((role.deputy_id, agreement.id) for role in agreement.roles if role.deputy_id)
    return PortfolioFacts(responsible_in=tuple(responsible_in), deputy_in=tuple(deputy_in))


# How many of the people with the most roles a scan keeps for the start page.
BUSIEST = 10


def busiest_people(portfolio: PortfolioFacts, limit: int = BUSIEST) -> list[dict]:
    """The people responsible for the most roles in active agreements, as the start page lists them:
    ``{"person", "responsible", "deputy", "agreements"}``, most roles first (then most deputyships)."""
    responsible = Counter(person for person, _agreement in portfolio.responsible_in)
    agreements: dict[int, set[int]] = defaultdict(set)
    for person, agreement in portfolio.responsible_in:
        agreements[person].add(agreement)
    deputy = Counter(person for person, _agreement in portfolio.deputy_in if person in responsible)
    top = sorted(responsible, key=lambda person: (-responsible[person], -deputy[person], person))[:limit]
    return [
        {
            "person": person,
            "responsible": responsible[person],
            "deputy": deputy[person],
            "agreements": len(agreements[person]),
        }
        for person in top
    ]
