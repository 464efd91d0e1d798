"""The third risk of Tillväxtverket's "Undvik pyspunka i samverkan" (seeds/002): parties from different kinds
of organisation bring different conditions — public and private actors work at different speeds, private
ones must mind their profitability, civil society's volunteers are unpaid while the public side is salaried.

``sector_conditions_unaddressed``: an active agreement whose parties come from at least two sector groups
(public, private, academic, civil society) while a party's incentives and constraints for the agreement are
unrecorded or a pitfall question of its starting conditions is unanswered. One loader, one query per scan
or chunk.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from agreements.choices import PITFALL_QUESTIONS, AgreementStatus
from risks.choices import Severity, SubjectType
from risks.engine import AgreementFacts, Finding, ScanContext, register_loader, register_rule
from stakeholders.choices import SECTOR_GROUPS, Sector, SectorGroup

FACTS_KEY = "sector_conditions"
RULE = "sector_conditions_unaddressed"


class SectorConditionsFacts(NamedTuple):
    groups: frozenset[str]  # the parties' sector groups
    unrecorded: tuple[int, ...]  # parties with neither incentives nor constraints recorded
    pitfalls_unanswered: int  # of the six questions


@register_loader(FACTS_KEY)
def load_sector_conditions(agreement_ids: list[int], ctx: ScanContext) -> dict[int, SectorConditionsFacts]:
    """The active agreements' parties with their sector, whether their conditions are recorded and the
    agreement's pitfall answers: two queries."""
    from agreements.models import Party, PartyConditions, StartingConditions
    from risks.facts import rows

    if not agreement_ids:
        return {}
    wanted = set(agreement_ids)
    recorded = PartyConditions.objects.filter(party=OuterRef("pk")).filter(
        Q(incentives__regex=r"\S") | Q(constraints__regex=r"\S")
    )
    in_range = {"agreement_id__gte": min(agreement_ids), "agreement_id__lte": max(agreement_ids)}
    # By the range of the ids, as the other loaders read, and no join with the agreements: the rows of agreements
    # not asked for are dropped below. (A list of every id made the server plan a statement of thousands of
    # parameters on a whole scan.)
    party_rows = rows(
        Party.objects.filter(**in_range)
        .annotate(recorded=Exists(recorded))
        .values_list("agreement_id", "id", "organization__sector", "recorded")
        .order_by("agreement_id", "id")
    )
    pitfall_columns = [f"pitfall_{code}" for code in PITFALL_QUESTIONS]
    answers_of = {
        agreement_id: answers
        for agreement_id, *answers in rows(
            StartingConditions.objects.filter(**in_range).order_by().values_list("agreement_id", *pitfall_columns)
        )
    }
    unanswered_all = [""] * len(PITFALL_QUESTIONS)
    # A sector's group (a sector the choices no longer know stands for itself), looked up once per sector.
    group_of = {sector: str(SECTOR_GROUPS[sector]) if SECTOR_GROUPS.get(sector) else sector for sector in Sector.values}
    groups: dict[int, set[str]] = {}
    unrecorded: dict[int, list[int]] = {}
    unanswered: dict[int, int] = {}
    for agreement_id, party_id, sector, is_recorded in party_rows:
        answers = answers_of.get(agreement_id, unanswered_all)
        if agreement_id not in wanted:
            continue
        groups.setdefault(agreement_id, set()).add(group_of.get(sector, sector))
        unrecorded.setdefault(agreement_id, [])
        if not is_recorded:
            unrecorded[agreement_id].append(party_id)
        unanswered[agreement_id] = sum(1 for answer in answers if not answer)
    return {
        agreement_id: SectorConditionsFacts(
            frozenset(found), tuple(unrecorded[agreement_id]), unanswered[agreement_id]
        )
        for agreement_id, found in groups.items()
    }


def _group_labels(codes) -> str:
    labels = dict(SectorGroup.choices)
    return ", ".join(str(labels.get(code, code)).lower() for code in sorted(codes))


def _describe(flag) -> str:
    details = flag.details
    agreement = pgettext("quoted name", "«%(name)s»") % {"name": flag.agreement} if flag.agreement_id else "–"
    missing = []
    if details.get("parties_unrecorded"):
        missing.append(
            _("%(count)s of the parties' incentives and constraints are unrecorded")
            % {"count": details["parties_unrecorded"]}
        )
    if details.get("pitfalls_unanswered"):
        missing.append(
            _("%(count)s of the six pitfall questions are unanswered") % {"count": details["pitfalls_unanswered"]}
        )
    return _("%(agreement)s brings together parties from several sectors (%(groups)s), but %(missing)s.") % {
        "agreement": agreement,
        "groups": _group_labels(details.get("groups", [])),
        "missing": _(" and ").join(missing) or "–",
    }


@register_rule(
    RULE,
    severity=Severity.MEDIUM,
    label=gettext_lazy("Sector conditions unaddressed"),
    describe=_describe,
    advice=gettext_lazy(
        "Parties from different sectors bring different conditions: public and private actors work at different "
        "speeds, private actors must mind their profitability, and civil society relies on unpaid volunteers while "
        "the public side is salaried. Record each party's incentives and constraints, answer the pitfall questions "
        "together, and rig the collaboration so that everyone gains from taking part."
    ),
)
def sector_conditions_unaddressed(agreement: AgreementFacts, ctx: ScanContext):
    if agreement.status != AgreementStatus.ACTIVE:
        return
    found: SectorConditionsFacts | None = agreement.extra.get(FACTS_KEY)
    if found is None or len(found.groups) < 2:
        return
    if not found.unrecorded and not found.pitfalls_unanswered:
        return
    yield Finding(
        RULE,
        SubjectType.AGREEMENT,
        agreement_id=agreement.id,
        details={
            "groups": sorted(found.groups),
            "parties_unrecorded": len(found.unrecorded),
            "party_ids": list(found.unrecorded),
            "pitfalls_unanswered": found.pitfalls_unanswered,
        },
    )
