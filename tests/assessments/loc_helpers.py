"""A Levels of Collaboration round over an agreement with three parties, each with one person to invite."""

import datetime as dt

from django.utils import timezone

from assessments.choices import RoundStatus
from assessments.instruments import LEVELS_OF_COLLABORATION
from assessments.models import AssessmentRound, Instrument, PairwiseAnswer, Respondent
from assessments.tokens import new_nonce, token_digest, token_for
from stakeholders.choices import Sector
from tests.factories import AgreementFactory, OrganizationFactory, PartyFactory, PersonFactory


def loc_agreement(names=("Kommunen", "Företaget", "Föreningen")):
    agreement = AgreementFactory()
    sectors = (Sector.MUNICIPALITY, Sector.BUSINESS, Sector.CIVIL_SOCIETY)
    parties = [
        PartyFactory(agreement=agreement, organization=OrganizationFactory(name=name, sector=sector))
        for name, sector in zip(names, sectors, strict=False)
    ]
    return agreement, parties


def loc_round(agreement, *, status=RoundStatus.OPEN, opens_days_ago=1, closes_in=14):
    today = timezone.localdate()
    now = timezone.now()
    return AssessmentRound.objects.create(
        agreement=agreement,
        instrument=Instrument.objects.get(code=LEVELS_OF_COLLABORATION, version=1),
        opens_on=today - dt.timedelta(days=opens_days_ago),
        closes_on=today + dt.timedelta(days=closes_in),
        status=status,
        opened_at=now,
        closed_at=now if status == RoundStatus.CLOSED else None,
    )


def invite_from(round_, party, *, language="sv"):
    nonce = new_nonce()
    token = token_for(nonce)
    respondent = Respondent.objects.create(
        round=round_,
        person=PersonFactory(organization=party.organization, language=language),
        nonce=nonce,
        token_digest=token_digest(token),
        language=language,
    )
    return respondent, token


def rated(round_, party, values: dict):
    """A respondent of ``party`` who has answered ``{other party: value}``."""
    respondent, _token = invite_from(round_, party)
    for other, value in values.items():
        PairwiseAnswer.objects.create(respondent=respondent, from_party=party, to_party=other, value=value)
    Respondent.objects.filter(pk=respondent.pk).update(responded_at=timezone.now())
    return respondent
