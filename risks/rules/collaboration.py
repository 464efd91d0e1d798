"""``collaboration_asymmetry``: in an active agreement's latest closed Levels of Collaboration round, two parties
see their collaboration differently — A rates B at least ``RISK_ASYMMETRY_MIN`` (0–5) higher or lower than B rates
A. Not a fault: a difference to talk about (Samverkansmodellen, seeds/004). One loader, one query per scan or chunk.
"""

from __future__ import annotations

from django.db.models import Avg, Count
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from agreements.choices import AgreementStatus
from assessments.choices import RoundStatus
from assessments.instruments import LEVELS_OF_COLLABORATION
from assessments.pairwise import asymmetric_pairs
from risks.choices import Severity, SubjectType
from risks.engine import AgreementFacts, Finding, ScanContext, register_loader, register_rule

FACTS_KEY = "levels_of_collaboration"
RULE = "collaboration_asymmetry"


@register_loader(FACTS_KEY)
def load_pair_means(agreement_ids: list[int], ctx: ScanContext) -> dict[int, dict]:
    """Per active agreement, its latest closed LoC round's means per direction (one query):
    ``{"round": id, "closes_on": date, "means": {(from, to): (mean, n)}, "names": {party: name}}``."""
    from assessments.models import PairwiseAnswer
    from risks.facts import rows

    if not agreement_ids:
        return {}
    wanted = set(agreement_ids)
    round_ = "respondent__round__"
    found = rows(
        PairwiseAnswer.objects.filter(
            respondent__round__status=RoundStatus.CLOSED,
            respondent__round__instrument__code=LEVELS_OF_COLLABORATION,
            respondent__round__agreement__status=AgreementStatus.ACTIVE,
            respondent__round__agreement_id__gte=min(agreement_ids),
            respondent__round__agreement_id__lte=max(agreement_ids),
            respondent__responded_at__isnull=False,
            from_party__isnull=False,
        )
        .values_list(
            f"{round_}agreement_id",
            f"{round_}opens_on",
            f"{round_}id",
            "from_party_id",
            "to_party_id",
            "from_party__organization__name",
            "to_party__organization__name",
        )
        .annotate(mean=Avg("value"), n=Count("id"))
        .order_by(f"{round_}agreement_id", f"-{round_}opens_on", f"-{round_}id")
    )
    latest: dict[int, dict] = {}
    for agreement_id, _opens, round_id, source, target, source_name, target_name, mean, n in found:
        if agreement_id not in wanted:
            continue
        entry = latest.setdefault(agreement_id, {"round": round_id, "means": {}, "names": {}})
        if entry["round"] != round_id:
            continue  # an earlier round of the same agreement
        entry["means"][(source, target)] = (float(mean), n)
        entry["names"][source], entry["names"][target] = source_name, target_name
    return latest


def _describe(flag) -> str:
    details = flag.details
    pairs = [
        _("%(a)s rates %(b)s %(a_to_b)s, %(b)s rates %(a)s %(b_to_a)s")
        % {
            "a": pair["a_name"],
            "b": pair["b_name"],
            "a_to_b": number_format(pair["a_to_b"], 1),
            "b_to_a": number_format(pair["b_to_a"], 1),
        }
        for pair in details.get("pairs", [])
    ]
    return _(
        "In the latest Levels of Collaboration round of %(agreement)s, parties see their collaboration differently "
        "(0–5): %(pairs)s."
    ) % {
        "agreement": pgettext("quoted name", "«%(name)s»") % {"name": flag.agreement} if flag.agreement_id else "–",
        "pairs": "; ".join(pairs),
    }


@register_rule(
    RULE,
    severity=Severity.LOW,
    label=gettext_lazy("Collaboration seen differently"),
    describe=_describe,
    advice=gettext_lazy(
        "A difference to talk about, not a fault: take the pair's ratings to the next meeting and let each party "
        "say what lies behind its view, so you arrive at a shared picture of how you work together."
    ),
)
def collaboration_asymmetry(agreement: AgreementFacts, ctx: ScanContext):
    if agreement.status != AgreementStatus.ACTIVE:
        return
    found = agreement.extra.get(FACTS_KEY)
    if not found:
        return
    means, names = found["means"], found["names"]
    pairs = asymmetric_pairs(means, ctx.limits.get("RISK_ASYMMETRY_MIN", 2))
    if not pairs:
        return
    yield Finding(
        RULE,
        SubjectType.AGREEMENT,
        agreement_id=agreement.id,
        details={
            "round": found["round"],
            "pairs": [
                {
                    "a": a,
                    "b": b,
                    "a_name": names.get(a, ""),
                    "b_name": names.get(b, ""),
                    "a_to_b": round(means[(a, b)][0], 2),
                    "b_to_a": round(means[(b, a)][0], 2),
                    "gap": gap,
                }
                for a, b, gap in pairs
            ],
        },
    )
