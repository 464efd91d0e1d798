"""The weekly reminders: every Monday each person responsible for commitments or follow-ups that are overdue
or due within ``REMINDER_DAYS`` gets one e-mail listing them, in their language.

Delivered like the risk report (risks.reports): each week's deliveries are claimed by inserting their rows
(unique per report, week and person) before anything is sent, sent under a row lock and marked sent in the
same transaction, and a failure is recorded and retried with backoff. A person opts out on their record
(``Person.reminders_opt_out``); a person with nothing due gets nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agreements.selectors import DueItem, due_items
from risks.choices import DeliveryStatus, ReportKind
from risks.models import ReportDelivery
from risks.reports import RENDERERS, Recipient, RenderedReport, admin_url, delivery_send, period_start
from stakeholders.models import Person

REMINDER_DAYS = 14
WEEK_FORMAT = re.compile(r"^(\d{4})-W(\d{2})$")
# The moment of a week a preview or a late run acts as: Monday morning, when the schedule runs.
WEEK_HOUR = time(7, 0)


def week_moment(week: str) -> datetime:
    """``YYYY-Www`` (ISO week) as Monday 07:00 local time of that week; ValueError when it is no such week."""
    match = WEEK_FORMAT.match((week or "").strip())
    if not match:
        raise ValueError(_("Give the week as YYYY-Www, e.g. 2026-W49."))
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise ValueError(_("%(week)s is not a week of that year.") % {"week": week}) from exc
    return timezone.make_aware(datetime.combine(monday, WEEK_HOUR))


# --- who and what -------------------------------------------------------------------------------------


@dataclass
class ReminderContent:
    overdue: list[DueItem] = field(default_factory=list)
    due_soon: list[DueItem] = field(default_factory=list)

    # The counts a delivery row stores (the risk report's columns): due soon as new, overdue as open.
    @property
    def new_count(self) -> int:
        return len(self.due_soon)

    @property
    def open_count(self) -> int:
        return len(self.overdue)

    resolved_count: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.due_soon)


def reminder_contents(person_ids, *, today: date) -> dict[int, ReminderContent]:
    """Per responsible person: what is overdue and what falls due within REMINDER_DAYS (two queries)."""
    contents: dict[int, ReminderContent] = {}
    for item in due_items(person_ids=person_ids, until=today + timedelta(days=REMINDER_DAYS)):
        content = contents.setdefault(item.responsible_id, ReminderContent())
        (content.overdue if item.is_overdue(today) else content.due_soon).append(item)
    return contents


def reminder_recipients(*, today: date) -> list[Recipient]:
    """People still active, with an e-mail address and not opted out, who have something due (three queries)."""
    due = reminder_contents(None, today=today)
    people = (
        Person.objects.active(on=today)
        .filter(pk__in=list(due), reminders_opt_out=False)
        .exclude(email="")
        .order_by("id")
    )
    return [Recipient(ReportKind.REMINDER, f"person:{p.pk}", p.email, p.language, person=p) for p in people]


# --- claiming, previews, sending ----------------------------------------------------------------------


def reminders_claim(*, now: datetime | None = None) -> int:
    """Insert this week's reminder deliveries (the claim); rows that exist are left alone."""
    now = now or timezone.now()
    period = period_start(now)
    recipients = reminder_recipients(today=timezone.localdate(now))
    rows = [
        ReportDelivery(
            report=ReportKind.REMINDER,
            period_start=period,
            recipient_key=recipient.key,
            person=recipient.person,
            email=recipient.email,
            language=recipient.language,
            since=now,
            until=now,
        )
        for recipient in recipients
    ]
    before = ReportDelivery.objects.filter(report=ReportKind.REMINDER, period_start=period).count()
    ReportDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return ReportDelivery.objects.filter(report=ReportKind.REMINDER, period_start=period).count() - before


def unsent_reminders():
    return ReportDelivery.objects.filter(
        report=ReportKind.REMINDER, status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED)
    ).order_by("id")


def reminders_queue(*, now: datetime | None = None) -> str:
    """Claim this week's reminders and queue every unsent one (earlier weeks' too) for a worker."""
    from risks.tasks import risk_report_deliver

    claimed = reminders_claim(now=now)
    ids = list(unsent_reminders().values_list("id", flat=True))
    for delivery_id in ids:
        transaction.on_commit(lambda delivery_id=delivery_id: risk_report_deliver.delay(delivery_id))
    return f"{claimed} reminders claimed, {len(ids)} queued"


def reminders_send_now(*, now: datetime | None = None) -> list[tuple[ReportDelivery, str]]:
    """Claim this week's reminders and send every unsent one in this process (the command)."""
    reminders_claim(now=now)
    outcomes = []
    for delivery in list(unsent_reminders()):
        try:
            delivery_send(delivery_id=delivery.pk)
        except Exception as exc:
            outcomes.append((delivery, f"failed: {type(exc).__name__}: {exc}"))
        else:
            delivery.refresh_from_db()
            outcomes.append((delivery, delivery.status))
    return outcomes


def reminder_previews(*, now: datetime | None = None) -> list[tuple[Recipient, ReminderContent, RenderedReport]]:
    """What this week's reminders would say, without claiming or sending anything."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    recipients = reminder_recipients(today=today)
    contents = reminder_contents([r.person.pk for r in recipients], today=today)
    return [
        (r, contents[r.person.pk], reminder_render(person=r.person, language=r.language,
                                                   content=contents[r.person.pk], today=today))
        for r in recipients
    ]


# --- the e-mail ---------------------------------------------------------------------------------------------


def _item_context(item: DueItem, today: date) -> dict:
    if item.kind == "follow_up":
        url = admin_url(reverse("admin:agreements_followup_change", args=[item.id]))
    elif item.agreement_id:
        url = admin_url(reverse("admin:agreements_agreement_change", args=[item.agreement_id]))
    else:
        url = ""
    return {
        "item": item,
        "kind": _("Follow-up") if item.kind == "follow_up" else _("Commitment"),
        "days_late": (today - item.due_on).days,
        "url": url,
    }


def reminder_render(*, person: Person, language: str, content: ReminderContent, today: date) -> RenderedReport:
    with translation.override(language):
        week = period_start(timezone.make_aware(datetime.combine(today, WEEK_HOUR))).isocalendar().week
        context = {
            "person": person,
            "overdue": [_item_context(item, today) for item in content.overdue],
            "due_soon": [_item_context(item, today) for item in content.due_soon],
            "days": REMINDER_DAYS,
            "week": week,
        }
        subject = _("Samverkan, week %(week)d: %(overdue)d overdue, %(due)d due within %(days)d days") % {
            "week": week,
            "overdue": len(content.overdue),
            "due": len(content.due_soon),
            "days": REMINDER_DAYS,
        }
        context["subject"] = subject
        text = render_to_string("risks/email/reminder.txt", context)
        html = render_to_string("risks/email/reminder.html", context)
    return RenderedReport(subject=subject, text=text, html=html)


def delivery_render(delivery: ReportDelivery) -> tuple[ReminderContent, RenderedReport]:
    """A claimed reminder as it stands when sent: done and cancelled items have dropped out."""
    today = timezone.localdate(delivery.until)
    person = delivery.person
    if person is None or person.reminders_opt_out:
        return ReminderContent(), RenderedReport(subject="", text="", html="")
    content = reminder_contents([person.pk], today=today).get(person.pk, ReminderContent())
    return content, reminder_render(person=person, language=delivery.language, content=content, today=today)


RENDERERS[ReportKind.REMINDER] = delivery_render
