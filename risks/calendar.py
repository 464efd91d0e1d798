"""The personal calendar feed (RFC 5545, written with the icalendar library): reviews, ends and notice
deadlines of agreements, commitments and follow-ups due, assessment rounds closing and planned interactions
of the agreements a user coordinates or holds roles in; the whole portfolio for superusers and subscribers
of the portfolio report.

The feed's URL carries a secret (``/calendar/<secret>.ics``) because calendar clients cannot log in; only a
digest of it is stored (stakeholders.CalendarFeed), so the URL is shown once and revoked by deleting the row.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from agreements.choices import SETTLED_COMMITMENT_STATUSES, SETTLED_FOLLOW_UP_STATUSES, AgreementStatus
from agreements.models import Agreement, Anchoring, Commitment, FollowUp, Interaction, Representative, Responsibility
from assessments.models import AssessmentRound
from risks.models import RiskReportSubscription
from risks.rules.dialogue import notice_deadline
from stakeholders.models import CalendarFeed, Person

# Events further back than this are left out: a calendar client keeps what it has already shown.
PAST_DAYS = 90
OPEN = (AgreementStatus.DRAFT, AgreementStatus.ACTIVE)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def feed_url(secret: str) -> str:
    return f"{settings.SITE_URL}{reverse('calendar-feed', args=[secret])}"


def feed_create(*, user) -> str:
    """A new secret for ``user`` (any earlier one stops working); returns the feed's URL, shown once."""
    secret = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(user=user, defaults={"digest": digest(secret), "last_used_at": None})
    return feed_url(secret)


def feed_revoke(*, user) -> bool:
    return CalendarFeed.objects.filter(user=user).delete()[0] > 0


def feed_user(secret: str):
    """The active login a secret belongs to (its use recorded), or None."""
    if not secret or len(secret) > 100:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(digest=digest(secret), user__is_active=True).first()
    if feed is None:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user


def sees_portfolio(user) -> bool:
    return user.is_superuser or RiskReportSubscription.objects.filter(user=user, is_active=True).exists()


def agreements_of(user):
    """The draft and active agreements in the user's feed."""
    agreements = Agreement.objects.filter(status__in=OPEN)
    if sees_portfolio(user):
        return agreements
    person_id = Person.objects.filter(user=user).values_list("id", flat=True).first()
    if person_id is None:
        return agreements.none()
    here = {"agreement": OuterRef("pk")}
    return agreements.filter(
        Q(coordinator_id=person_id)
        | Exists(Representative.objects.filter(person_id=person_id, **here))
        | Exists(Responsibility.objects.filter(Q(responsible_id=person_id) | Q(deputy_id=person_id), **here))
        | Exists(Anchoring.objects.filter(person_id=person_id, **here))
    )


@dataclass(frozen=True)
class Entry:
    uid: str
    day: date
    summary: str
    description: str = ""
    url: str = ""


def _admin(name: str, pk: int) -> str:
    return f"{settings.SITE_URL}{reverse(name, args=[pk])}"


def feed_entries(user, *, today: date | None = None) -> list[Entry]:
    """The feed's events, in the user's language: six queries whatever the size of the portfolio."""
    today = today or timezone.localdate()
    since = today - timedelta(days=PAST_DAYS)
    person_id = Person.objects.filter(user=user).values_list("id", flat=True).first()
    agreements = agreements_of(user)
    ids = agreements.values("id")
    entries: list[Entry] = []
    for agreement in agreements.only("id", "title", "reference", "valid_to", "next_review_on", "notice_period_months"):
        url = _admin("admin:agreements_agreement_change", agreement.pk)
        if agreement.next_review_on and agreement.next_review_on >= since:
            entries.append(Entry(f"review-{agreement.pk}", agreement.next_review_on,
                                 _("Review: %(agreement)s") % {"agreement": agreement}, url=url))
        if agreement.valid_to and agreement.valid_to >= since:
            entries.append(Entry(f"end-{agreement.pk}", agreement.valid_to,
                                 _("Ends: %(agreement)s") % {"agreement": agreement}, url=url))
            if agreement.notice_period_months:
                deadline = notice_deadline(agreement.valid_to, agreement.notice_period_months)
                entries.append(Entry(
                    f"notice-{agreement.pk}", deadline,
                    _("Notice deadline: %(agreement)s") % {"agreement": agreement},
                    _("Decide whether to renew or terminate before this day."), url,
                ))
    mine = Q(responsible_id=person_id) if person_id else Q(pk__in=[])
    for commitment in (
        Commitment.objects.filter(Q(agreement_id__in=ids) | mine, due_on__gte=since)
        .exclude(status__in=SETTLED_COMMITMENT_STATUSES)
        .select_related("agreement", "responsible")
    ):
        entries.append(Entry(
            f"commitment-{commitment.pk}", commitment.due_on,
            _("Commitment due: %(what)s") % {"what": commitment.description},
            f"{commitment.agreement} · {commitment.responsible or '–'}",
            _admin("admin:agreements_agreement_change", commitment.agreement_id),
        ))
    for follow_up in (
        FollowUp.objects.filter(Q(agreement_id__in=ids) | mine, due_on__gte=since)
        .exclude(status__in=SETTLED_FOLLOW_UP_STATUSES)
        .select_related("agreement", "responsible")
    ):
        entries.append(Entry(
            f"follow-up-{follow_up.pk}", follow_up.due_on,
            _("Follow-up due: %(what)s") % {"what": follow_up.description},
            f"{follow_up.agreement or '–'} · {follow_up.responsible}",
            _admin("admin:agreements_followup_change", follow_up.pk),
        ))
    for round_ in AssessmentRound.objects.filter(agreement_id__in=ids, closes_on__gte=since).select_related(
        "agreement", "instrument"
    ):
        entries.append(Entry(
            f"round-{round_.pk}", round_.closes_on,
            _("Assessment round closes: %(agreement)s") % {"agreement": round_.agreement},
            str(round_.instrument),
            _admin("admin:assessments_assessmentround_change", round_.pk),
        ))
    took_part = Q(participants__id=person_id) if person_id else Q(pk__in=[])
    for interaction in (
        Interaction.objects.filter(Q(agreement_id__in=ids) | took_part, date__gte=today)
        .select_related("agreement")
        .distinct()
    ):
        entries.append(Entry(
            f"interaction-{interaction.pk}", interaction.date,
            f"{interaction.get_kind_display()}: {interaction.title}",
            str(interaction.agreement or ""),
            _admin("admin:agreements_interaction_change", interaction.pk),
        ))
    return sorted(entries, key=lambda entry: (entry.day, entry.uid))


def feed_calendar(user, *, today: date | None = None) -> bytes:
    """The feed as iCalendar text, in the language of the user's person (Swedish by default)."""
    language = Person.objects.filter(user=user).values_list("language", flat=True).first() or settings.LANGUAGE_CODE
    host = settings.SITE_URL.split("//", 1)[-1].split("/", 1)[0] or "samverkan"
    with translation.override(language):
        calendar = Calendar()
        calendar.add("prodid", "-//Samverkan//Calendar feed//SV")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("x-wr-calname", _("Samverkan: %(user)s") % {"user": user.get_username()})
        stamp = timezone.now()
        for entry in feed_entries(user, today=today):
            event = Event()
            event.add("uid", f"{entry.uid}@{host}")
            event.add("dtstamp", stamp)
            event.add("dtstart", entry.day)
            event.add("dtend", entry.day + timedelta(days=1))
            event.add("summary", entry.summary)
            if entry.description:
                event.add("description", entry.description)
            if entry.url:
                event.add("url", entry.url)
            event.add("transp", "TRANSPARENT")
            calendar.add_component(event)
    return calendar.to_ical()
