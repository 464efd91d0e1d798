"""sector_conditions_unaddressed (002's third risk): parties from two sector groups and their conditions unrecorded
or the pitfall questions unanswered; the flag resolves once they are."""

import datetime as dt

import pytest
from django.utils import translation

from agreements.choices import PITFALL_QUESTIONS, AgreementStatus
from agreements.models import Agreement, PartyConditions, StartingConditions
from risks import engine, scans
from risks.choices import FlagStatus
from risks.models import RiskFlag
from risks.rules.sectors import RULE
from stakeholders.choices import Sector
from tests.factories import OrganizationFactory, PartyFactory, agreement_with

pytestmark = pytest.mark.django_db


def unresolved():
    return RiskFlag.objects.filter(rule=RULE).exclude(status=FlagStatus.RESOLVED)


def active_with(*sectors, status=AgreementStatus.ACTIVE):
    agreement = agreement_with(parties=0, responsibilities=0)
    for sector in sectors:
        PartyFactory(agreement=agreement, organization=OrganizationFactory(sector=sector))
    Agreement.objects.filter(pk=agreement.pk).update(status=status, valid_from=dt.date(2025, 1, 1))
    agreement.refresh_from_db()
    return agreement


def record_everything(agreement):
    for party in agreement.parties.all():
        PartyConditions.objects.create(agreement=agreement, party=party, incentives="Vinner på det.")
    StartingConditions.objects.create(
        agreement=agreement, **{f"pitfall_{code}": "yes" for code in PITFALL_QUESTIONS}
    )


def test_mixed_sectors_without_conditions_fire_and_resolve_once_recorded():
    agreement = active_with(Sector.MUNICIPALITY, Sector.BUSINESS)
    scans.scan_now()
    flag = unresolved().get()
    assert flag.agreement_id == agreement.pk
    assert flag.details["groups"] == ["private", "public"]
    assert flag.details["parties_unrecorded"] == 2
    assert flag.details["pitfalls_unanswered"] == 6
    with translation.override("en"):
        message = engine.flag_message(flag)
    assert "private, public" in message
    assert "everyone gains from taking part" in message

    record_everything(agreement)
    scans.scan_now()
    assert not unresolved().exists()
    assert RiskFlag.objects.get(rule=RULE).status == FlagStatus.RESOLVED


def test_one_unanswered_question_or_one_silent_party_is_enough():
    agreement = active_with(Sector.REGION, Sector.CIVIL_SOCIETY)
    record_everything(agreement)
    StartingConditions.objects.filter(agreement=agreement).update(pitfall_results="")
    scans.scan_now()
    assert unresolved().get().details["pitfalls_unanswered"] == 1
    StartingConditions.objects.filter(agreement=agreement).update(pitfall_results="unclear")
    PartyConditions.objects.filter(agreement=agreement).first().delete()
    scans.scan_now()
    flag = unresolved().get()
    assert (flag.details["parties_unrecorded"], flag.details["pitfalls_unanswered"]) == (1, 0)
    # Whitespace is no record.
    PartyConditions.objects.create(
        agreement=agreement, party=agreement.parties.exclude(conditions__isnull=False).get(), constraints="  "
    )
    scans.scan_now()
    assert unresolved().exists()


@pytest.mark.parametrize(
    ("sectors", "status"),
    [
        ((Sector.MUNICIPALITY, Sector.REGION, Sector.STATE_AGENCY), AgreementStatus.ACTIVE),  # all public
        ((Sector.BUSINESS,), AgreementStatus.ACTIVE),
        ((Sector.MUNICIPALITY, Sector.ACADEMIA), AgreementStatus.DRAFT),
    ],
)
def test_one_sector_group_or_not_active_does_not_fire(sectors, status):
    active_with(*sectors, status=status)
    scans.scan_now()
    assert not unresolved().exists()
