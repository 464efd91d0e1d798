"""Rounds with respondents for the answer-page tests, built straight on the models (no e-mail, no schedule)."""

import datetime as dt

from django.utils import timezone

from assessments.choices import RoundStatus
from assessments.instruments import SAMVERKANSMODELLEN
from assessments.models import AssessmentRound, Instrument, Respondent
from assessments.tokens import new_nonce, token_digest, token_for
from tests.factories import AgreementFactory, PersonFactory


def instrument(code: str = SAMVERKANSMODELLEN) -> Instrument:
    return Instrument.objects.get(code=code, version=1)


def open_round(
    *, code: str = SAMVERKANSMODELLEN, status: str = RoundStatus.OPEN, opens_in: int = -1, closes_in: int = 14
):
    today = timezone.localdate()
    now = timezone.now()
    return AssessmentRound.objects.create(
        agreement=AgreementFactory(),
        instrument=instrument(code),
        opens_on=today + dt.timedelta(days=opens_in),
        closes_on=today + dt.timedelta(days=closes_in),
        status=status,
        opened_at=now if status != RoundStatus.SCHEDULED else None,
        closed_at=now if status == RoundStatus.CLOSED else None,
    )


def invite(round_: AssessmentRound, *, language: str = "sv") -> tuple[Respondent, str]:
    """A respondent of the round and the token of their link."""
    nonce = new_nonce()
    token = token_for(nonce)
    respondent = Respondent.objects.create(
        round=round_,
        person=PersonFactory(language=language),
        nonce=nonce,
        token_digest=token_digest(token),
        language=language,
    )
    return respondent, token


def complete_answers(round_: AssessmentRound, *, value=None, comment: str = "") -> dict[str, str]:
    """POST data answering every item: scale items with ``value`` (the scale's top by default)."""
    inst = round_.instrument
    data = {}
    for item in inst.items.all():
        if item.is_scored:
            data[f"value_{item.pk}"] = str(inst.scale_max if value is None else value)
        data[f"comment_{item.pk}"] = comment
    return data
