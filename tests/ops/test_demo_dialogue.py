"""The demo's dialogue: interactions and follow-ups seeded once, a person with a career, and the overdue demo
commitments flagged by the scan and reminded."""

import pytest
from django.core.management import call_command

from agreements.models import FollowUp, Interaction
from risks import reminders
from risks.models import RiskFlag
from risks.scans import scan_now
from stakeholders.models import Employment

pytestmark = pytest.mark.django_db


def test_demo_dialogue_is_flagged_and_reminded():
    call_command("seed_demo")
    assert Interaction.objects.count() == 4
    assert FollowUp.objects.count() == 4
    career = list(
        Employment.objects.filter(person__email="johan.berglund@regionmellanland.example.se").order_by("started_on")
    )
    assert [period.organization.name for period in career] == [
        "Ådala kommun", "Sjöviks kommun", "Regionala utvecklingsförvaltningen",
    ]
    assert career[-1].ended_on is None
    call_command("seed_demo")  # again: nothing new
    assert Interaction.objects.count() == 4

    scan_now()
    flagged = RiskFlag.objects.filter(rule="commitment_overdue", status="open")
    named = {item["description"] for flag in flagged for item in flag.details["items"]}
    assert {
        "Delrapport från följeforskningen",
        "Handlingsplan för näringslivsklimatet",
        "Utvärdering av varje testbädd",
        "Nätkapacitetskarta för länets kommuner",
    } <= named
    recipients = {recipient.email for recipient, _content, _rendered in reminders.reminder_previews()}
    assert {
        "daniel.engstrom@mlu.example.se",
        "erik.lund@bjorkby.example.se",
        "priya.raman@mlu.example.se",
        "tomas.wallin@norrstromenergi.example.se",
        "sofia.wikstrom@adala.example.se",  # the overdue follow-up
    } <= recipients
