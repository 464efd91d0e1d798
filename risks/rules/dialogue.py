"""The rules of dialogue and follow-up: commitments and follow-ups past their date, agreements without recent
contact, and renewal decisions before the notice deadline; plus the loader that tells departed_person who
has moved to another organisation.

The advice follows the sources: dialogue is the core of collaboration (001: samtal → samsyn → samverkan →
samhandling, "Aktiv kommunikation och dialog"), and the Dialog dimension of 004 asks for learning and for
keeping the history alive when people are replaced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from agreements.choices import SETTLED_COMMITMENT_STATUSES, SETTLED_FOLLOW_UP_STATUSES, AgreementStatus
from risks.choices import Severity, SubjectType
from risks.engine import (
    AgreementFacts,
    Finding,
    ScanContext,
    months_before,
    register_loader,
    register_rule,
)

FACTS_KEY = "dialogue"
MOVED_KEY = "moved"
# How many overdue items a flag's message names; the rest are counted.
NAMED_ITEMS = 3
DEFAULT_LIMITS = {"RISK_DIALOGUE_MONTHS": 6, "RISK_RENEWAL_LEAD_DAYS": 60}


def _limit(ctx: ScanContext, name: str) -> int:
    return ctx.limits.get(name, DEFAULT_LIMITS[name])


def _show(value: str | None) -> str:
    return date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT") if value else "–"


def _agreement(flag) -> str:
    return pgettext("quoted name", "«%(name)s»") % {"name": flag.agreement} if flag.agreement_id else "–"


@dataclass(slots=True)
class DialogueFacts:
    notice_period_months: int | None = None
    renewed: bool = False
    last_contact: date | None = None
    overdue: list[dict] = field(default_factory=list)  # commitments and follow-ups past their date


def _as_date(value) -> date | None:
    """A date column read by rows(): SQLite's driver hands it over as text."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _item(kind: str, row) -> dict:
    item_id, description, due_on, responsible_id = row[:4]
    return {
        "kind": kind,
        "id": item_id,
        "description": description,
        "due_on": _as_date(due_on).isoformat(),
        "responsible_id": responsible_id,
    }


@register_loader(FACTS_KEY)
def load_dialogue_facts(agreement_ids: list[int], ctx: ScanContext) -> dict[int, DialogueFacts]:
    """Notice period, renewal, last contact and overdue items of the active agreements: two queries, over the
    range of ``agreement_ids`` (agreements outside the list are dropped)."""
    from django.db.models import CharField, DateField, Max, OuterRef, Subquery, Value

    from agreements.models import Agreement, Commitment, FollowUp, Interaction
    from risks.facts import rows

    if not agreement_ids:
        return {}
    wanted = set(agreement_ids)
    in_range = {"agreement_id__gte": min(wanted), "agreement_id__lte": max(wanted)}
    facts: dict[int, DialogueFacts] = {}
    last_contact = (
        Interaction.objects.filter(agreement=OuterRef("pk"), date__lte=ctx.today)
        .order_by()
        .values("agreement")
        .annotate(last=Max("date"))
        .values("last")
    )
    for agreement_id, notice, renewed, last in rows(
        Agreement.objects.filter(status=AgreementStatus.ACTIVE, id__gte=min(wanted), id__lte=max(wanted))
        .annotate(last_contact=Subquery(last_contact, output_field=DateField()))
        .order_by()
        .values_list("id", "notice_period_months", "renewal__id", "last_contact")
    ):
        if agreement_id in wanted:
            facts[agreement_id] = DialogueFacts(
                notice_period_months=notice, renewed=renewed is not None, last_contact=_as_date(last)
            )
    if not facts:
        return {}
    active = {"agreement__status": AgreementStatus.ACTIVE, "due_on__lt": ctx.today, **in_range}
    # The literal kind last: an annotation's column follows the model's columns in the SQL that rows() reads.
    columns = ("id", "description", "due_on", "responsible_id", "agreement_id", "kind")
    commitments = (
        Commitment.objects.filter(**active)
        .exclude(status__in=SETTLED_COMMITMENT_STATUSES)
        .annotate(kind=Value("commitment", output_field=CharField()))
        .order_by()
        .values_list(*columns)
    )
    follow_ups = (
        FollowUp.objects.filter(**active)
        .exclude(status__in=SETTLED_FOLLOW_UP_STATUSES)
        .annotate(kind=Value("follow_up", output_field=CharField()))
        .order_by()
        .values_list(*columns)
    )
    for row in rows(commitments.union(follow_ups, all=True)):
        if row[4] in facts:
            facts[row[4]].overdue.append(_item(row[5], row))
    for found in facts.values():
        found.overdue.sort(key=lambda item: (item["due_on"], item["kind"], item["id"]))
    return facts


@register_loader(MOVED_KEY)
def load_moved_people(agreement_ids: list[int], ctx: ScanContext) -> dict[int, dict[int, tuple[int, str]]]:
    """People still active who have moved (an employment period has ended): {person id: (organisation id,
    organisation name)}, the same map for every agreement (one query)."""
    from risks.facts import rows
    from stakeholders.models import Employment, Person

    if not agreement_ids:
        return {}
    moved = {
        person_id: (organization_id, name)
        for person_id, organization_id, name in rows(
            Person.objects.active(on=ctx.today)
            .filter(id__in=Employment.objects.filter(ended_on__isnull=False).values("person_id"))
            .order_by()
            .values_list("id", "organization_id", "organization__name")
        )
    }
    return dict.fromkeys(agreement_ids, moved) if moved else {}


def _facts(agreement: AgreementFacts) -> DialogueFacts | None:
    return agreement.extra.get(FACTS_KEY)


# --- commitment_overdue ------------------------------------------------------------------------------


def _describe_overdue(flag) -> str:
    items = flag.details.get("items", [])
    named = "; ".join(
        _("«%(what)s» (due %(date)s)") % {"what": item["description"], "date": _show(item["due_on"])}
        for item in items[:NAMED_ITEMS]
    )
    if len(items) > NAMED_ITEMS:
        named += " " + _("and %(count)d more") % {"count": len(items) - NAMED_ITEMS}
    where = _agreement(flag) if flag.agreement_id else (str(flag.person) if flag.person_id else "–")
    return ngettext(
        "%(count)d commitment or follow-up of %(where)s is past its date and not done: %(items)s.",
        "%(count)d commitments or follow-ups of %(where)s are past their date and not done: %(items)s.",
        len(items),
    ) % {"count": len(items), "where": where, "items": named}


@register_rule(
    "commitment_overdue",
    severity=Severity.MEDIUM,
    label=gettext_lazy("Commitment overdue"),
    describe=_describe_overdue,
    advice=gettext_lazy(
        "Follow up with the responsible person: mark what is done, agree a new date for the rest, and record it "
        "in the next meeting. Commitments that are followed up keep the parties' trust (samverkan builds on "
        "dialogue and on doing what was agreed)."
    ),
)
def commitment_overdue(agreement: AgreementFacts, ctx: ScanContext):
    facts = _facts(agreement)
    if agreement.status != AgreementStatus.ACTIVE or facts is None or not facts.overdue:
        return
    yield Finding(
        "commitment_overdue",
        SubjectType.AGREEMENT,
        agreement_id=agreement.id,
        person_id=next((item["responsible_id"] for item in facts.overdue if item["responsible_id"]), None),
        details={"items": facts.overdue},
    )


# --- dialogue_missing ----------------------------------------------------------------------------------


def _describe_dialogue(flag) -> str:
    months = flag.details.get("months", 0)
    last = flag.details.get("last_contact")
    if last:
        return ngettext(
            "The last contact logged in %(agreement)s was on %(date)s, more than %(months)d month ago.",
            "The last contact logged in %(agreement)s was on %(date)s, more than %(months)d months ago.",
            months,
        ) % {"agreement": _agreement(flag), "date": _show(last), "months": months}
    return ngettext(
        "No contact has been logged in %(agreement)s for %(months)d month.",
        "No contact has been logged in %(agreement)s for %(months)d months.",
        months,
    ) % {"agreement": _agreement(flag), "months": months}


@register_rule(
    "dialogue_missing",
    severity=Severity.MEDIUM,
    label=gettext_lazy("Dialogue missing"),
    describe=_describe_dialogue,
    advice=gettext_lazy(
        "Meet the parties: active communication and dialogue carry a collaboration from talk to a shared view "
        "and joint action (samtal → samsyn → samverkan → samhandling). Log the meeting with its decisions and "
        "follow-ups, so what was learnt stays when people are replaced."
    ),
)
def dialogue_missing(agreement: AgreementFacts, ctx: ScanContext):
    facts = _facts(agreement)
    if agreement.status != AgreementStatus.ACTIVE or facts is None or agreement.valid_from is None:
        return
    months = _limit(ctx, "RISK_DIALOGUE_MONTHS")
    cutoff = months_before(ctx.today, months)
    if agreement.valid_from > cutoff:
        return  # younger than the window: exempt
    if facts.last_contact is not None and facts.last_contact >= cutoff:
        return
    yield Finding(
        "dialogue_missing",
        SubjectType.AGREEMENT,
        agreement_id=agreement.id,
        details={
            "months": months,
            "last_contact": facts.last_contact.isoformat() if facts.last_contact else None,
        },
    )


# --- renewal_decision_due --------------------------------------------------------------------------------


def notice_deadline(valid_to: date, notice_period_months: int | None) -> date:
    """The last day to give notice: the end date less the notice period."""
    return months_before(valid_to, notice_period_months or 0)


def _describe_renewal(flag) -> str:
    deadline = date.fromisoformat(flag.details["notice_deadline"])
    days = (deadline - timezone.localdate()).days
    values = {
        "agreement": _agreement(flag),
        "deadline": _show(flag.details["notice_deadline"]),
        "end": _show(flag.details["valid_to"]),
        "days": abs(days),
    }
    if days < 0:
        return _(
            "The notice deadline of %(agreement)s passed on %(deadline)s; it ends on %(end)s unless renewed."
        ) % values
    return ngettext(
        "Decide whether to renew or terminate %(agreement)s before the notice deadline on %(deadline)s, in "
        "%(days)d day; it ends on %(end)s.",
        "Decide whether to renew or terminate %(agreement)s before the notice deadline on %(deadline)s, in "
        "%(days)d days; it ends on %(end)s.",
        days,
    ) % values


@register_rule(
    "renewal_decision_due",
    severity=Severity.MEDIUM,
    label=gettext_lazy("Renewal decision due"),
    describe=_describe_renewal,
    advice=gettext_lazy(
        "Evaluate the collaboration with the parties and decide in time whether to renew or terminate; anchor "
        'the decision in each party\'s own organisation. "Renew" prepares the next period\'s draft.'
    ),
)
def renewal_decision_due(agreement: AgreementFacts, ctx: ScanContext):
    facts = _facts(agreement)
    if agreement.status != AgreementStatus.ACTIVE or agreement.valid_to is None or facts is None or facts.renewed:
        return
    deadline = notice_deadline(agreement.valid_to, facts.notice_period_months)
    opens = deadline - timedelta(days=_limit(ctx, "RISK_RENEWAL_LEAD_DAYS"))
    if opens <= ctx.today <= agreement.valid_to:
        yield Finding(
            "renewal_decision_due",
            SubjectType.AGREEMENT,
            agreement_id=agreement.id,
            details={"valid_to": agreement.valid_to.isoformat(), "notice_deadline": deadline.isoformat()},
        )
