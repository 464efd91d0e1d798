"""The dialogue rules through real scans, each at its threshold: commitment_overdue, dialogue_missing and
renewal_decision_due fire, stay quiet and resolve."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import translation

from agreements.models import Agreement
from risks.models import RiskFlag
from risks.rules.dialogue import notice_deadline
from risks.scans import scan_now
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    FollowUpFactory,
    InteractionFactory,
    PartyFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


def open_flags(rule: str, today):
    scan_now(today=today)
    return list(RiskFlag.objects.filter(rule=rule).exclude(status="resolved").order_by("id"))


def active(**fields) -> Agreement:
    return AgreementFactory(status="active", **fields)


# --- commitment_overdue -----------------------------------------------------------------------------------


def test_commitment_overdue_at_its_date(today):
    agreement = active(valid_from=today - dt.timedelta(days=30))
    person = PersonFactory()
    party = PartyFactory(agreement=agreement, organization=person.organization)
    commitment = CommitmentFactory(party=party, responsible=person, due_on=today, description="Anställa en coach")
    assert open_flags("commitment_overdue", today) == []  # due today: not yet overdue
    [flag] = open_flags("commitment_overdue", today + dt.timedelta(days=1))
    assert flag.agreement_id == agreement.pk
    assert flag.person_id == person.pk
    with translation.override("en"):
        assert "Anställa en coach" in flag.message
        assert "past its date" in flag.message
    FollowUpFactory(responsible=person, agreement=agreement, due_on=today - dt.timedelta(days=2))
    [flag] = open_flags("commitment_overdue", today + dt.timedelta(days=1))
    assert len(flag.details["items"]) == 2  # the same flag, now with the follow-up too
    commitment.status = "done"
    commitment.save()
    FollowUpFactory._meta.model.objects.update(status="cancelled")
    assert open_flags("commitment_overdue", today + dt.timedelta(days=1)) == []
    flag.refresh_from_db()
    assert flag.status == "resolved"


def test_commitment_overdue_quiet_for_closed_agreements(today):
    agreement = AgreementFactory(status="expired")
    CommitmentFactory(party=PartyFactory(agreement=agreement), due_on=today - dt.timedelta(days=10))
    assert open_flags("commitment_overdue", today) == []


# --- dialogue_missing ---------------------------------------------------------------------------------------


def test_dialogue_missing_at_the_threshold(settings, today):
    settings.RISK_DIALOGUE_MONTHS = 6
    cutoff = today - relativedelta(months=6)
    agreement = active(valid_from=cutoff - dt.timedelta(days=100), valid_to=today + dt.timedelta(days=900))
    young = active(valid_from=cutoff + dt.timedelta(days=10), valid_to=today + dt.timedelta(days=900))
    InteractionFactory(agreement=agreement, date=cutoff)  # exactly within the window
    assert open_flags("dialogue_missing", today) == []
    later = today + dt.timedelta(days=1)  # the contact is now one day too old
    [flag] = open_flags("dialogue_missing", later)
    assert flag.agreement_id == agreement.pk  # the young agreement, without any contact, is exempt
    assert young.pk != flag.agreement_id
    assert flag.details == {"months": 6, "last_contact": cutoff.isoformat()}
    with translation.override("en"):
        assert "more than 6 months ago" in flag.message
    InteractionFactory(agreement=agreement, date=today + dt.timedelta(days=10))  # planned: does not count
    assert len(open_flags("dialogue_missing", later)) == 1
    InteractionFactory(agreement=agreement, date=today)
    assert open_flags("dialogue_missing", later) == []
    flag.refresh_from_db()
    assert flag.status == "resolved"


def test_dialogue_missing_months_is_a_setting(settings, today):
    settings.RISK_DIALOGUE_MONTHS = 2
    agreement = active(valid_from=today - relativedelta(months=3), valid_to=today + dt.timedelta(days=900))
    InteractionFactory(agreement=agreement, date=today - relativedelta(months=2) - dt.timedelta(days=1))
    [flag] = open_flags("dialogue_missing", today)
    assert flag.details["months"] == 2


# --- renewal_decision_due ---------------------------------------------------------------------------------


def test_renewal_decision_window_uses_the_notice_period(settings, today):
    settings.RISK_RENEWAL_LEAD_DAYS = 60
    valid_to = today + relativedelta(months=3) + dt.timedelta(days=61)
    agreement = active(valid_from=today - dt.timedelta(days=700), valid_to=valid_to, notice_period_months=3)
    InteractionFactory(agreement=agreement, date=today)  # keep dialogue_missing out of it
    deadline = notice_deadline(valid_to, 3)
    opens = deadline - dt.timedelta(days=60)
    assert deadline == valid_to - relativedelta(months=3)
    assert open_flags("renewal_decision_due", opens - dt.timedelta(days=1)) == []
    [flag] = open_flags("renewal_decision_due", opens)
    assert flag.details == {"valid_to": valid_to.isoformat(), "notice_deadline": deadline.isoformat()}
    with translation.override("en"):
        assert "before the notice deadline" in flag.message
    # Still flagged after the deadline, until the end.
    assert len(open_flags("renewal_decision_due", valid_to)) == 1
    AgreementFactory(renewed_from=agreement, reference="", valid_from=valid_to + dt.timedelta(days=1))
    assert open_flags("renewal_decision_due", valid_to) == []
    flag.refresh_from_db()
    assert flag.status == "resolved"


def test_renewal_without_notice_period_counts_from_the_end(settings, today):
    settings.RISK_RENEWAL_LEAD_DAYS = 30
    agreement = active(valid_from=today - dt.timedelta(days=700), valid_to=today + dt.timedelta(days=31))
    InteractionFactory(agreement=agreement, date=today)
    assert open_flags("renewal_decision_due", today) == []
    assert len(open_flags("renewal_decision_due", today + dt.timedelta(days=1))) == 1
