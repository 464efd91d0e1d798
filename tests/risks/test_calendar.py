"""The personal calendar feed: parsed back with icalendar, the events of the user's agreements only, the secret
stored as a digest and revocable, the command that prints the URL, and constant queries."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from risks import calendar
from stakeholders.models import CalendarFeed
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    FollowUpFactory,
    InteractionFactory,
    PartyFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def path_of(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def events(client, url: str) -> dict[str, tuple]:
    response = client.get(path_of(url))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    parsed = Calendar.from_ical(response.content)
    return {
        str(event["uid"]).split("@")[0]: (str(event["summary"]), event.decoded("dtstart"))
        for event in parsed.walk("VEVENT")
    }


@pytest.fixture
def coordinator_with_feed(today):
    user = UserFactory(username="amira", is_staff=True)
    person = PersonFactory(user=user, language="en")
    agreement = AgreementFactory(
        status="active", title="Unga i arbete", reference="", coordinator=person,
        valid_to=today + dt.timedelta(days=400), notice_period_months=6, next_review_on=today + dt.timedelta(days=30),
    )
    party = PartyFactory(agreement=agreement, organization=person.organization)
    commitment = CommitmentFactory(party=party, due_on=today + dt.timedelta(days=5), description="Anställa coacher")
    follow_up = FollowUpFactory(responsible=person, due_on=today + dt.timedelta(days=3), description="Skicka protokoll")
    planned = InteractionFactory(agreement=agreement, date=today + dt.timedelta(days=9), title="Styrgrupp")
    InteractionFactory(agreement=agreement, date=today - dt.timedelta(days=9), title="Förra mötet")  # not planned
    other = AgreementFactory(status="active", title="Någon annans")
    return {"user": user, "agreement": agreement, "commitment": commitment, "follow_up": follow_up,
            "planned": planned, "other": other}


def test_feed_parsed_back_with_its_events(client, coordinator_with_feed, today):
    data = coordinator_with_feed
    url = calendar.feed_create(user=data["user"])
    found = events(client, url)
    agreement = data["agreement"]
    assert found[f"review-{agreement.pk}"] == ("Review: Unga i arbete", today + dt.timedelta(days=30))
    assert found[f"end-{agreement.pk}"] == ("Ends: Unga i arbete", agreement.valid_to)
    notice = found[f"notice-{agreement.pk}"]
    assert notice[0] == "Notice deadline: Unga i arbete"
    assert notice[1] < agreement.valid_to - dt.timedelta(days=150)
    assert found[f"commitment-{data['commitment'].pk}"] == ("Commitment due: Anställa coacher",
                                                           today + dt.timedelta(days=5))
    assert found[f"follow-up-{data['follow_up'].pk}"][1] == today + dt.timedelta(days=3)
    assert found[f"interaction-{data['planned'].pk}"] == ("Meeting: Styrgrupp", today + dt.timedelta(days=9))
    assert not any(key.startswith("interaction") and key != f"interaction-{data['planned'].pk}" for key in found)
    assert f"end-{data['other'].pk}" not in found  # another's agreement
    assert CalendarFeed.objects.get(user=data["user"]).last_used_at is not None


def test_superusers_see_the_whole_portfolio(client, coordinator_with_feed):
    boss = UserFactory(username="chef", is_staff=True, is_superuser=True)
    found = events(client, calendar.feed_create(user=boss))
    assert f"end-{coordinator_with_feed['other'].pk}" in found


def test_the_secret_is_stored_as_a_digest_and_revocable(client, coordinator_with_feed):
    user = coordinator_with_feed["user"]
    url = calendar.feed_create(user=user)
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    stored = CalendarFeed.objects.get(user=user).digest
    assert secret not in stored
    assert stored == calendar.digest(secret)
    newer = calendar.feed_create(user=user)  # a new link: the old one stops working
    assert client.get(path_of(url)).status_code == 404
    assert client.get(path_of(newer)).status_code == 200
    assert client.get("/calendar/nonsense.ics").status_code == 404
    client.force_login(user)
    page = client.post(reverse("calendar-page"), {"action": "revoke"})
    assert page.status_code == 200
    assert client.get(path_of(newer)).status_code == 404
    made = client.post(reverse("calendar-page"), {"action": "create"})
    assert "/calendar/" in made.content.decode()
    assert CalendarFeed.objects.filter(user=user).exists()


def test_command_prints_the_url(coordinator_with_feed, capsys, settings):
    settings.SITE_URL = "https://samverkan.example.se"
    call_command("calendar_url", "amira")
    out = capsys.readouterr().out.strip()
    assert out.startswith("https://samverkan.example.se/calendar/")
    assert out.endswith(".ics")
    with pytest.raises(CommandError):
        call_command("calendar_url", "nobody")


def test_feed_queries_do_not_grow(client, coordinator_with_feed, today):
    boss = UserFactory(username="chef", is_staff=True, is_superuser=True)
    path = path_of(calendar.feed_create(user=boss))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for _ in range(5):
        agreement = AgreementFactory(status="active", notice_period_months=3)
        party = PartyFactory(agreement=agreement)
        CommitmentFactory(party=party, due_on=today + dt.timedelta(days=2))
        FollowUpFactory(agreement=agreement, due_on=today + dt.timedelta(days=2))
        InteractionFactory(agreement=agreement, date=today + dt.timedelta(days=2))
    assert count() == small
