"""The risk rules over agreements: pure functions from facts to findings, each with its message.

Registered with ``risks.engine.register_rule``; the assessments' own rules register the same
way. The advice follows Tillväxtverket's "Undvik pyspunka i samverkan" (seeds/002): a written
division of work so the coordinator does not do everything, anchoring in adopted plans and with key
people at home, and "better that many half-burn than one burns out".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from operator import attrgetter, itemgetter

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from agreements import rules as agreement_rules
from agreements.choices import AgreementStatus, AnchoringStatus, Mandate
from risks.choices import Severity, SubjectType
from risks.engine import PORTFOLIO_SCOPE, AgreementFacts, Finding, PortfolioFacts, ScanContext, register_rule

OPEN = (AgreementStatus.DRAFT, AgreementStatus.ACTIVE)
DECIDE = str(Mandate.DECIDE)

# Field readers in C, for the cheap checks that settle the common case over thousands of rows.
_responsible_id = attrgetter("responsible_id")
_deputy_id = attrgetter("deputy_id")
_person_id = attrgetter("person_id")


def _day(value: str) -> date:
    return date.fromisoformat(value)


def _show(value: str) -> str:
    return date_format(_day(value), "SHORT_DATE_FORMAT")


def _agreement(flag) -> str:
    # The quotation marks of the message's language (Swedish ”…”).
    return pgettext("quoted name", "«%(name)s»") % {"name": flag.agreement} if flag.agreement_id else "–"


# --- single_person_dependency ---------------------------------------------------------------------


def _describe_single_person(flag) -> str:
    details = flag.details
    count = details.get("responsibilities", 0)
    if details.get("bus_factor") == 1 and flag.person_id:
        return _(
            "Bus factor 1: if %(person)s leaves, at least half of the %(count)d responsibilities of %(agreement)s "
            "are left with neither their responsible nor their deputy."
        ) % {"person": flag.person, "count": count, "agreement": _agreement(flag)}
    return _(
        "Bus factor %(value)s: if %(people)d people leave, at least half of the %(count)d responsibilities of "
        "%(agreement)s are left with neither their responsible nor their deputy."
    ) % {
        "value": details.get("bus_factor"),
        "people": len(details.get("people", [])),
        "count": count,
        "agreement": _agreement(flag),
    }


@register_rule(
    "single_person_dependency",
    severity=Severity.HIGH,
    label=gettext_lazy("Single-person dependency"),
    describe=_describe_single_person,
    advice=gettext_lazy(
        "Spread the work in writing: give the roles other responsible people and deputies, so the "
        "coordinator does not do everything. Better that many half-burn than one burns out."
    ),
)
def single_person_dependency(agreement: AgreementFacts, ctx: ScanContext):
    if agreement.status != AgreementStatus.ACTIVE:
        return
    threshold = ctx.limits["RISK_BUS_FACTOR_MIN"]
    if threshold <= 2 and list(map(_deputy_id, agreement.roles)).count(None) < (len(agreement.roles) + 1) // 2:
        # Only a bus factor of 1 is asked for, and one person alone loses just their roles without a
        # deputy: with fewer of those than half of the roles, nobody can (the common case, cheaply).
        return
    roles = [(role.responsible_id, role.deputy_id) for role in agreement.roles]
    found = agreement_rules.bus_factor_below(roles, threshold)
    if found is None:
        return
    people = sorted(found.people)
    yield Finding(
        "single_person_dependency",
        SubjectType.AGREEMENT,
        agreement_id=agreement.id,
        person_id=people[0],
        details={"bus_factor": found.value, "people": people, "responsibilities": len(roles)},
    )


# --- missing_deputy -----------------------------------------------------------------------------------


def _describe_missing_deputy(flag) -> str:
    return _("The responsibility «%(role)s» in %(agreement)s has no deputy; %(person)s carries it alone.") % {
        "role": flag.responsibility or "–",
        "agreement": _agreement(flag),
        "person": flag.person or "–",
    }


@register_rule(
    "missing_deputy",
    severity=Severity.MEDIUM,
    label=gettext_lazy("Missing deputy"),
    describe=_describe_missing_deputy,
    advice=gettext_lazy("Name a deputy, so the work goes on when the responsible person is away or leaves."),
)
def missing_deputy(agreement: AgreementFacts, ctx: ScanContext):
    if agreement.status != AgreementStatus.ACTIVE:
        return
    for role in agreement.roles:
        if role.deputy_id is None:
            yield Finding(
                "missing_deputy",
                SubjectType.RESPONSIBILITY,
                agreement_id=agreement.id,
                responsibility_id=role.id,
                person_id=role.responsible_id,
            )


# --- person_overload ------------------------------------------------------------------------------


def _describe_overload(flag) -> str:
    details = flag.details
    if flag.agreement_id is None:
        return ngettext(
            "%(person)s is responsible for roles in %(count)d active agreement.",
            "%(person)s is responsible for roles in %(count)d active agreements.",
            details.get("agreements", 0),
        ) % {"person": flag.person or "–", "count": details.get("agreements", 0)}
    return _(
        "%(person)s is responsible for %(held)d of the %(total)d responsibilities of %(agreement)s (%(share)d %%)."
    ) % {
        "person": flag.person or "–",
        "held": details.get("responsible", 0),
        "total": details.get("total", 0),
        "agreement": _agreement(flag),
        "share": round(100 * details.get("share", 0)),
    }


_OVERLOAD = {
    "severity": Severity.MEDIUM,
    "label": gettext_lazy("Person overload"),
    "describe": _describe_overload,
    "advice": gettext_lazy(
        "Share the load: move some responsibilities to others, or make this person a deputy rather than "
        "the responsible one."
    ),
}


@register_rule("person_overload", **_OVERLOAD)
def person_overload_in_agreement(agreement: AgreementFacts, ctx: ScanContext):
    """One person responsible for a large share (≥ 50 %) of one agreement's roles."""
    if agreement.status != AgreementStatus.ACTIVE:
        return
    total = len(agreement.roles)
    if total < ctx.limits["RISK_OVERLOAD_MIN_RESPONSIBILITIES"]:
        return
    responsible = list(map(_responsible_id, agreement.roles))
    if total - len(set(responsible)) + 1 < ctx.limits["RISK_OVERLOAD_SHARE"] * total:
        return  # so many different people that nobody can hold that share (the common case, cheaply)
    held_by = Counter(responsible)
    if max(held_by.values()) / total < ctx.limits["RISK_OVERLOAD_SHARE"]:
        return
    for person_id, held in sorted(held_by.items()):
        share = held / total
        if share >= ctx.limits["RISK_OVERLOAD_SHARE"]:
            yield Finding(
                "person_overload",
                SubjectType.PERSON,
                agreement_id=agreement.id,
                person_id=person_id,
                details={"responsible": held, "total": total, "share": round(share, 4)},
            )


@register_rule("person_overload", scope=PORTFOLIO_SCOPE)
def person_overload_in_portfolio(portfolio: PortfolioFacts, ctx: ScanContext):
    """One person responsible (not deputy) in many active agreements."""
    pairs = set(portfolio.responsible_in)  # (person, agreement), once each
    counts = Counter(map(itemgetter(0), pairs))
    limit = ctx.limits["RISK_OVERLOAD_AGREEMENTS"]
    agreements_of: dict[int, list[int]] = {person_id: [] for person_id, count in counts.items() if count >= limit}
    if not agreements_of:
        return
    for person_id, agreement_id in pairs:
        if person_id in agreements_of:
            agreements_of[person_id].append(agreement_id)
    for person_id, agreement_ids in sorted(agreements_of.items()):
        yield Finding(
            "person_overload",
            SubjectType.PERSON,
            person_id=person_id,
            details={"agreements": len(agreement_ids), "agreement_ids": sorted(agreement_ids)},
        )


# --- missing_internal_anchoring ------------------------------------------------------------------


def _describe_anchoring(flag) -> str:
    missing = flag.details.get("missing", "")
    what = AnchoringStatus(missing).label if missing in AnchoringStatus.values else missing
    return _("%(party)s has not anchored %(agreement)s in its own organisation: %(what)s.") % {
        "party": flag.party or "–",
        "agreement": _agreement(flag),
        "what": str(what).lower(),
    }


DECISION_OR_PLAN = ("decision", "plan")


def _anchoring_complete(party, ctx: ScanContext) -> bool:
    has_basis = has_sponsor = False
    departed, organization_id = ctx.departed, party.organization_id
    for anchoring in party.anchorings:
        kind = anchoring.kind
        if kind in DECISION_OR_PLAN:
            has_basis = True
        elif (
            kind == "sponsor"
            and anchoring.person_id is not None
            and anchoring.person_id not in departed
            and (
                anchoring.person_organization_id == organization_id
                or ctx.belongs_to(anchoring.person_organization_id, organization_id)
            )
        ):
            has_sponsor = True
    return has_basis and has_sponsor


@register_rule(
    "missing_internal_anchoring",
    severity=Severity.HIGH,
    label=gettext_lazy("Missing internal anchoring"),
    describe=_describe_anchoring,
    advice=gettext_lazy(
        "Anchor the collaboration at home: in a decision or an adopted plan that shows how it serves the "
        "organisation's overall goals, and with a named manager (sponsor) with mandate in the party's own "
        "organisation."
    ),
)
def missing_internal_anchoring(agreement: AgreementFacts, ctx: ScanContext):
    if agreement.status != AgreementStatus.ACTIVE:
        return
    for party in agreement.parties:
        if _anchoring_complete(party, ctx):
            continue  # the common case, without building the facts
        facts = [
            agreement_rules.AnchoringFact(
                kind=anchoring.kind,
                person_active=ctx.is_active(anchoring.person_id),
                person_in_party=ctx.belongs_to(anchoring.person_organization_id, party.organization_id),
            )
            for anchoring in party.anchorings
        ]
        status = agreement_rules.anchoring_status(facts)
        if status != AnchoringStatus.COMPLETE:
            yield Finding(
                "missing_internal_anchoring",
                SubjectType.PARTY,
                agreement_id=agreement.id,
                party_id=party.id,
                details={"missing": str(status)},
            )


# --- missing_mandate --------------------------------------------------------------------------------


def _describe_mandate(flag) -> str:
    return _("No active representative of %(party)s in %(agreement)s has mandate to decide.") % {
        "party": flag.party or "–",
        "agreement": _agreement(flag),
    }


@register_rule(
    "missing_mandate",
    severity=Severity.MEDIUM,
    label=gettext_lazy("Missing mandate"),
    describe=_describe_mandate,
    advice=gettext_lazy(
        "Give a representative mandate to decide, or agree how the party's decisions are taken in time in "
        "its own organisation."
    ),
)
def missing_mandate(agreement: AgreementFacts, ctx: ScanContext):
    if agreement.status != AgreementStatus.ACTIVE:
        return
    departed = ctx.departed
    for party in agreement.parties:
        for rep in party.representatives:
            if rep.mandate == DECIDE and rep.person_id is not None and rep.person_id not in departed:
                break
        else:
            break  # this party has nobody who may decide
    else:
        return  # the common case, without building the coverage
    coverage = agreement_rules.mandate_coverage(
        {
            party.id: [rep.mandate for rep in party.representatives if ctx.is_active(rep.person_id)]
            for party in agreement.parties
        }
    )
    for party_id in coverage.missing:
        yield Finding("missing_mandate", SubjectType.PARTY, agreement_id=agreement.id, party_id=party_id)


# --- departed_person ---------------------------------------------------------------------------------

ROLE_NAMES = {
    "coordinator": gettext_lazy("coordinator"),
    "responsible": gettext_lazy("responsible for a role"),
    "deputy": gettext_lazy("deputy"),
    "representative": gettext_lazy("representative"),
    "sponsor": gettext_lazy("sponsor"),
}


def _describe_departed(flag) -> str:
    roles = ", ".join(str(ROLE_NAMES.get(role, role)) for role in flag.details.get("roles", []))
    if flag.details.get("moved_to"):
        return _("%(person)s has moved to %(organization)s and can no longer be %(roles)s in %(agreement)s.") % {
            "person": flag.person or "–",
            "organization": flag.details["moved_to"],
            "roles": roles,
            "agreement": _agreement(flag),
        }
    return _("%(person)s has left but is still %(roles)s in %(agreement)s.") % {
        "person": flag.person or "–",
        "roles": roles,
        "agreement": _agreement(flag),
    }


@register_rule(
    "departed_person",
    severity=Severity.HIGH,
    label=gettext_lazy("Departed person still holds roles"),
    describe=_describe_departed,
    advice=gettext_lazy(
        'Hand the roles over to a successor ("Hand over roles" on the person\'s page); the history keeps who held them.'
    ),
)
def departed_person(agreement: AgreementFacts, ctx: ScanContext):
    departed = ctx.departed
    if agreement.status != AgreementStatus.ACTIVE:
        return
    # People who moved to another organisation (risks.rules.dialogue): {person id: (organisation id, name)}.
    moved = agreement.extra.get("moved")
    if moved:
        yield from _moved_people(agreement, ctx, moved)
    if not departed:
        return
    if (
        agreement.coordinator_id not in departed
        and departed.isdisjoint(map(_responsible_id, agreement.roles))
        and departed.isdisjoint(map(_deputy_id, agreement.roles))
        and all(
            departed.isdisjoint(map(_person_id, party.representatives))
            and departed.isdisjoint(map(_person_id, party.anchorings))
            for party in agreement.parties
        )
    ):
        return  # nobody in it has left (the common case, cheaply)
    held: dict[int, set[str]] = defaultdict(set)
    if agreement.coordinator_id in ctx.departed:
        held[agreement.coordinator_id].add("coordinator")
    for role in agreement.roles:
        if role.responsible_id in ctx.departed:
            held[role.responsible_id].add("responsible")
        if role.deputy_id in ctx.departed:
            held[role.deputy_id].add("deputy")
    for party in agreement.parties:
        for rep in party.representatives:
            if rep.person_id in ctx.departed:
                held[rep.person_id].add("representative")
        for anchoring in party.anchorings:
            if anchoring.person_id in ctx.departed:
                held[anchoring.person_id].add("sponsor")
    for person_id, roles in sorted(held.items()):
        yield Finding(
            "departed_person",
            SubjectType.PERSON,
            agreement_id=agreement.id,
            person_id=person_id,
            details={"roles": [role for role in ROLE_NAMES if role in roles]},
        )


def _moved_people(agreement: AgreementFacts, ctx: ScanContext, moved):
    """Roles held by people who moved (all still active) to an organisation that is not (or not below) the
    party's, or for a responsibility any party's: they can no longer hold them."""
    held: dict[int, set[str]] = defaultdict(set)
    party_organizations = [party.organization_id for party in agreement.parties]

    def outside_all(person_id: int) -> bool:
        organization_id = moved[person_id][0]
        return not any(ctx.belongs_to(organization_id, party_org) for party_org in party_organizations)

    for role in agreement.roles:
        if role.responsible_id in moved and outside_all(role.responsible_id):
            held[role.responsible_id].add("responsible")
        if role.deputy_id in moved and outside_all(role.deputy_id):
            held[role.deputy_id].add("deputy")
    for party in agreement.parties:
        for rep in party.representatives:
            person = moved.get(rep.person_id)
            if person and not ctx.belongs_to(person[0], party.organization_id):
                held[rep.person_id].add("representative")
        for anchoring in party.anchorings:
            person = moved.get(anchoring.person_id)
            if person and not ctx.belongs_to(person[0], party.organization_id):
                held[anchoring.person_id].add("sponsor")
    for person_id, roles in sorted(held.items()):
        yield Finding(
            "departed_person",
            SubjectType.PERSON,
            agreement_id=agreement.id,
            person_id=person_id,
            details={"roles": [role for role in ROLE_NAMES if role in roles], "moved_to": moved[person_id][1]},
        )


# --- review_overdue -----------------------------------------------------------------------------------


def _describe_review(flag) -> str:
    due = _day(flag.details["next_review_on"])
    days = (timezone.localdate() - due).days
    return ngettext(
        "The review of %(agreement)s was due on %(date)s, %(days)d day ago.",
        "The review of %(agreement)s was due on %(date)s, %(days)d days ago.",
        days,
    ) % {"agreement": _agreement(flag), "date": _show(flag.details["next_review_on"]), "days": days}


@register_rule(
    "review_overdue",
    severity=Severity.MEDIUM,
    label=gettext_lazy("Review overdue"),
    describe=_describe_review,
    advice=gettext_lazy("Hold the follow-up with the parties and set the date of the next review."),
)
def review_overdue(agreement: AgreementFacts, ctx: ScanContext):
    if agreement.status not in OPEN or agreement.next_review_on is None:
        return
    if agreement.next_review_on < ctx.today:
        yield Finding(
            "review_overdue",
            SubjectType.AGREEMENT,
            agreement_id=agreement.id,
            details={"next_review_on": agreement.next_review_on.isoformat()},
        )


# --- agreement_expiring ------------------------------------------------------------------------------


def _describe_expiring(flag) -> str:
    end = _day(flag.details["valid_to"])
    days = (end - timezone.localdate()).days
    values = {"agreement": _agreement(flag), "date": _show(flag.details["valid_to"]), "days": abs(days)}
    if days < 0:
        return _("%(agreement)s ended on %(date)s but is still marked active.") % values
    return (
        ngettext(
            "%(agreement)s ends on %(date)s, in %(days)d day.",
            "%(agreement)s ends on %(date)s, in %(days)d days.",
            days,
        )
        % values
    )


@register_rule(
    "agreement_expiring",
    severity=Severity.LOW,
    label=gettext_lazy("Agreement expiring"),
    describe=_describe_expiring,
    advice=gettext_lazy(
        'Decide with the parties whether to continue; "Renew" prepares the next period\'s draft with the same '
        "parties and roles."
    ),
)
def agreement_expiring(agreement: AgreementFacts, ctx: ScanContext):
    if agreement.status != AgreementStatus.ACTIVE or agreement.valid_to is None:
        return
    if agreement.valid_to <= ctx.today + timedelta(days=ctx.limits["AGREEMENT_EXPIRING_WITHIN_DAYS"]):
        yield Finding(
            "agreement_expiring",
            SubjectType.AGREEMENT,
            agreement_id=agreement.id,
            details={"valid_to": agreement.valid_to.isoformat()},
        )
