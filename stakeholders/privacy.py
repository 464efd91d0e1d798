"""Privacy (GDPR): everything stored about a person, anonymisation, and the retention job.

* ``person_export`` gathers what the database holds about one person as plain JSON, in a fixed number of
  queries whatever the number of roles, history rows, flags or answers.
* ``person_anonymise`` replaces the person's name with a pseudonym ("Anonymiserad" / "person 123", in the
  site's language so it is the same whoever presses the button), blanks e-mail, phone and title in the row
  *and in every history row*, closes and blanks the linked login, removes the person's free-text answer
  comments and scrubs the name and e-mail addresses from every other text column of the database (change
  reasons, admin log, report deliveries, flag details, error texts). Roles stay attached to the now
  pseudonymous person, so the history of who held which role remains. Safe to run twice.
* ``privacy_retention`` is the daily job: people who left more than ``PRIVACY_ANONYMISE_AFTER_MONTHS`` ago
  are anonymised, and assessment rounds closed more than ``ASSESSMENT_ANSWER_RETENTION_MONTHS`` ago lose
  their free-text comments and the link between answers and people (the figures stay as anonymous numbers).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from stakeholders.models import Person

logger = logging.getLogger(__name__)

NUMBER = "%(number)d"
# Tables that are never scrubbed by text: logins are handled one by one (only the person's own), the others
# hold no free text about people (and sessions are signed blobs).
SWEEP_EXCLUDED = {"auth.user", "auth.permission", "contenttypes.contenttype", "sessions.session", "authtoken.token"}
TEXT_FIELDS = (models.CharField, models.TextField)  # EmailField and SlugField are CharFields


# --- the registry --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    """What a part of the export is asked for: the person, every e-mail address they have had (current,
    earlier, their login's), and whether individual assessment answers may be included."""

    person: Person
    emails: frozenset[str]
    include_answers: bool


@dataclass(frozen=True)
class Anonymisation:
    """What a part of the anonymisation works with: the person (already renamed and saved), the names and
    e-mail addresses they had, and the summary the part adds its counts to."""

    person: Person
    names: frozenset[str]
    emails: frozenset[str]
    summary: AnonymisationSummary


@dataclass(frozen=True)
class PrivacyPart:
    """One app's share of privacy: the export sections about its own tables, what anonymising a person does
    to them, what closing the person's login does, and its part of the nightly retention job."""

    app_label: str
    export: Callable[[ExportRequest], dict] | None = None
    anonymise: Callable[[Anonymisation], None] | None = None
    close_login: Callable[[object], None] | None = None
    retention: Callable[[date, RetentionSummary], None] | None = None


_PARTS: dict[str, PrivacyPart] = {}


def register(part: PrivacyPart) -> PrivacyPart:
    """Add an app's part (from its AppConfig.ready()); registering an app again replaces its part. The register
    itself imports no other app: each app that stores personal data registers how to export and erase it."""
    _PARTS[part.app_label] = part
    return part


def parts() -> list[PrivacyPart]:
    """The registered parts, in the order of INSTALLED_APPS (so the export's sections keep their order)."""
    order = {config.label: index for index, config in enumerate(apps.get_app_configs())}
    return sorted(_PARTS.values(), key=lambda part: order.get(part.app_label, len(order)))


# --- the pseudonym -------------------------------------------------------------------------------


def _pseudonym_parts() -> tuple[str, str]:
    return pgettext("pseudonym", "Anonymised"), pgettext("pseudonym", "person %(number)d")


def pseudonym(person_id: int, language: str | None = None) -> tuple[str, str]:
    """(first name, last name) an anonymised person is given; in the site's language by default, so it is
    stable per person whoever anonymises them."""
    with translation.override(language or settings.LANGUAGE_CODE):
        first, last = _pseudonym_parts()
    return first, last % {"number": person_id}


def _pseudonyms(person_id: int) -> set[tuple[str, str]]:
    return {pseudonym(person_id, code) for code, _name in settings.LANGUAGES} | {pseudonym(person_id)}


def is_anonymised(person: Person) -> bool:
    """True once the person carries their pseudonym and no contact details."""
    return not person.email and not person.phone and (person.first_name, person.last_name) in _pseudonyms(person.pk)


def anonymised_q() -> Q:
    """The people :func:`is_anonymised` holds true for, as a filter (in any of the site's languages)."""
    condition = Q(pk__in=[])
    for code in {settings.LANGUAGE_CODE, *(code for code, _name in settings.LANGUAGES)}:
        with translation.override(code):
            first, last = _pseudonym_parts()
        before, found, after = last.partition(NUMBER)
        if not found:  # a translation without the number cannot be told apart per person
            continue
        last_name = Concat(Value(before), Cast("pk", models.CharField()), Value(after))
        condition |= Q(first_name=first, last_name=last_name)
    return condition & Q(email="", phone="")


# --- export --------------------------------------------------------------------------------------


def plain(value):
    """A value as JSON has it: dates as ISO text, decimals as text, containers walked."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def rows(queryset, *fields: str, **renamed: str) -> list[dict]:
    """``queryset.values()`` as plain dicts; ``renamed`` maps output keys to lookups."""
    return [plain(row) for row in queryset.values(*fields, **{key: models.F(path) for key, path in renamed.items()})]


def person_export(person: Person, *, include_answers: bool = True) -> dict:
    """Everything stored about ``person`` as JSON-ready data, in a fixed number of queries (about 17): the
    register's own rows here, every other app's through its registered part.

    ``include_answers=False`` leaves out individual assessment answers (for users who may not see them).
    """
    person = Person.objects.select_related("organization", "user").prefetch_related("user__groups").get(pk=person.pk)
    pk = person.pk
    user = person.user
    login = None
    if user is not None:
        login = plain(
            {
                "id": user.pk,
                "username": user.get_username(),
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "is_active": user.is_active,
                "is_staff": user.is_staff,
                "date_joined": user.date_joined,
                "last_login": user.last_login,
                "groups": sorted(group.name for group in user.groups.all()),
            }
        )
    history = Person.history.model.objects.filter(id=pk).order_by("history_date", "history_id")
    history_fields = ("history_id", "history_date", "history_type", "history_change_reason")
    emails = {email.lower() for email in history.exclude(email="").values_list("email", flat=True)}
    if person.email:
        emails.add(person.email.lower())
    export = {
        "exported_at": timezone.now().isoformat(),
        "person": plain(
            {
                "id": pk,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": person.email,
                "phone": person.phone,
                "title": person.title,
                "language": person.language,
                "left_on": person.left_on,
                "is_active": person.is_active,
                "is_anonymised": is_anonymised(person),
                "created_at": person.created_at,
                "updated_at": person.updated_at,
            }
        ),
        "organization": {
            "id": person.organization_id,
            "name": person.organization.name,
            "org_number": person.organization.org_number,
        },
        "login": login,
        "history": rows(
            history,
            *history_fields,
            "first_name",
            "last_name",
            "email",
            "phone",
            "title",
            "language",
            "left_on",
            "organization_id",
            "user_id",
            changed_by="history_user__username",
        ),
    }
    request = ExportRequest(person=person, emails=frozenset(emails), include_answers=include_answers)
    for part in parts():
        if part.export is not None:
            export.update(part.export(request))
    export["admin_log"] = rows(
        LogEntry.objects.filter(
            content_type__app_label=Person._meta.app_label,
            content_type__model=Person._meta.model_name,
            object_id=str(pk),
        ).order_by("action_time", "id"),
        "action_time",
        "action_flag",
        "change_message",
        changed_by="user__username",
    )
    return export


# --- anonymisation -------------------------------------------------------------------------------


@dataclass
class AnonymisationSummary:
    """What one anonymisation changed (``already`` when there was nothing left to do)."""

    already: bool = False
    history_rows: int = 0
    login_closed: bool = False
    comments_removed: int = 0
    deliveries_cleaned: int = 0
    other_rows_cleaned: int = 0

    def describe(self, person: Person) -> str:
        if self.already:
            return _("%(person)s (id %(id)d) was already anonymised.") % {"person": person, "id": person.pk}
        return _(
            "%(person)s (id %(id)d) anonymised: %(history)d history rows rewritten, login closed: %(login)s, "
            "%(comments)d answer comments removed, %(deliveries)d report deliveries and %(other)d other rows cleaned."
        ) % {
            "person": person,
            "id": person.pk,
            "history": self.history_rows,
            "login": _("yes") if self.login_closed else _("no"),
            "comments": self.comments_removed,
            "deliveries": self.deliveries_cleaned,
            "other": self.other_rows_cleaned,
        }


@dataclass(frozen=True)
class _Needle:
    text: str  # casefolded
    pattern: re.Pattern
    whole: str  # the replacement when it is the whole value
    part: str  # the replacement inside a longer text


def _needles(names: set[str], emails: set[str], pseudonym_name: str) -> list[_Needle]:
    removed = _("(e-mail removed)")
    needles = [
        _Needle(
            name.casefold(),
            re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE),
            pseudonym_name,
            pseudonym_name,
        )
        for name in names
        if name and name.casefold() != pseudonym_name.casefold()
    ]
    needles += [
        _Needle(
            email.casefold(), re.compile(rf"(?<![\w.+-]){re.escape(email)}(?![\w-]|\.\w)", re.IGNORECASE), "", removed
        )
        for email in emails
        if email
    ]
    return sorted(needles, key=lambda needle: len(needle.text), reverse=True)


def _scrub(value, needles: list[_Needle]):
    """``value`` (text, or decoded JSON) with every needle replaced."""
    if isinstance(value, str):
        folded = value.strip().casefold()
        for needle in needles:
            if folded == needle.text:
                return needle.whole
        for needle in needles:
            value = needle.pattern.sub(needle.part, value)
        return value
    if isinstance(value, dict):
        return {key: _scrub(item, needles) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, needles) for item in value]
    return value


def _sweep(needles: list[_Needle]) -> int:
    """Scrub the needles from every text and JSON column of every table; returns the rows changed.

    One query per table that has text columns (plus one update per matching row): a full scan, which is
    why anonymisation is a deliberate act or a nightly job, never part of a page.
    """
    if not needles:
        return 0
    changed_rows = 0
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed or opts.label_lower in SWEEP_EXCLUDED:
            continue
        text = [f for f in opts.concrete_fields if isinstance(f, TEXT_FIELDS) and not f.choices and not f.primary_key]
        data = [f for f in opts.concrete_fields if isinstance(f, models.JSONField)]
        if not text and not data:
            continue
        condition = Q()
        for needle in needles:
            for field in text:
                condition |= Q(**{f"{field.attname}__icontains": needle.text})
            for field in data:
                # JSON text may hold non-ASCII letters as \\u escapes (SQLite).
                for variant in {needle.text, json.dumps(needle.text)[1:-1]}:
                    condition |= Q(**{f"{field.attname}__icontains": variant})
        columns = [field.attname for field in (*text, *data)]
        for pk, *values in model._base_manager.filter(condition).values_list("pk", *columns):
            update = {}
            for column, value in zip(columns, values, strict=True):
                scrubbed = _scrub(value, needles)
                if scrubbed != value:
                    update[column] = scrubbed
            if update:
                model._base_manager.filter(pk=pk).update(**update)
                changed_rows += 1
    return changed_rows


def _close_login(user) -> None:
    """The person's login: deactivated, unusable and without name, e-mail or DRF tokens; every app's part
    closes what it keeps for the login (integration tokens, report subscriptions)."""
    from rest_framework.authtoken.models import Token

    user.username = f"anonymised-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    Token.objects.filter(user=user).delete()
    for part in parts():
        if part.close_login is not None:
            part.close_login(user)


@transaction.atomic
def person_anonymise(person: Person, *, user=None) -> Person:
    """Replace the person's identity by a pseudonym everywhere it is stored; roles stay attached.

    ``user`` is who asks (recorded in the change history). The returned person carries
    ``anonymisation``, an :class:`AnonymisationSummary`. Anonymising an anonymised person changes nothing.
    """
    person = Person.objects.select_for_update(of=("self",)).select_related("user").get(pk=person.pk)
    summary = AnonymisationSummary()
    if user is not None and person.user_id is not None and person.user_id == user.pk:
        raise ValidationError(_("You cannot anonymise yourself: ask another coordinator."))
    if is_anonymised(person) and person.user_id is None:
        summary.already = True
        person.anonymisation = summary
        return person

    historical = Person.history.model.objects.filter(id=person.pk)
    names = {f"{first} {last}".strip() for first, last in historical.values_list("first_name", "last_name")}
    names.add(person.full_name)
    emails = {email.lower() for email in historical.exclude(email="").values_list("email", flat=True)}
    if person.email:
        emails.add(person.email.lower())
    login = person.user
    if login is not None:
        names.add(f"{login.first_name} {login.last_name}".strip())
        if login.email:
            emails.add(login.email.lower())

    first, last = pseudonym(person.pk)
    person.first_name, person.last_name = first, last
    person.email = person.phone = person.title = ""
    person.user = None
    # A new history row that says what happened without the old values (rewritten below anyway).
    person._change_reason = _("Anonymised (personal data removed)")
    if user is not None:
        person._history_user = user
    # No full_clean(): removing personal data must not wait for unrelated fields to be valid; the
    # database's constraints (name not blank, unique e-mail) still hold.
    person.save()

    summary.history_rows = historical.update(first_name=first, last_name=last, email="", phone="", title="", user=None)
    if login is not None:
        _close_login(login)
        summary.login_closed = True
    erasure = Anonymisation(person=person, names=frozenset(names), emails=frozenset(emails), summary=summary)
    for part in parts():
        if part.anonymise is not None:
            part.anonymise(erasure)
    summary.other_rows_cleaned = _sweep(_needles(names - {""}, emails, person.full_name))
    logger.info("person %s anonymised", person.pk)
    person.anonymisation = summary
    return person


# --- retention -----------------------------------------------------------------------------------


@dataclass
class RetentionSummary:
    anonymised: int = 0
    failed: int = 0
    rounds: int = 0
    comments_removed: int = 0
    respondents_unlinked: int = 0

    def describe(self) -> str:
        return _(
            "Retention: %(anonymised)d people anonymised (%(failed)d failed); in %(rounds)d old assessment rounds "
            "%(comments)d comments removed and %(respondents)d respondents unlinked."
        ) % {
            "anonymised": self.anonymised,
            "failed": self.failed,
            "rounds": self.rounds,
            "comments": self.comments_removed,
            "respondents": self.respondents_unlinked,
        }


def people_due_for_anonymisation(*, today: date | None = None):
    """People who left more than PRIVACY_ANONYMISE_AFTER_MONTHS ago and still carry their name."""
    today = today or timezone.localdate()
    cutoff = today - relativedelta(months=settings.PRIVACY_ANONYMISE_AFTER_MONTHS)
    return Person.objects.filter(left_on__lt=cutoff).exclude(anonymised_q()).order_by("left_on", "id")


def privacy_retention(*, today: date | None = None) -> RetentionSummary:
    """The daily retention job: anonymise people long gone, and make old assessment answers anonymous.

    Each person is anonymised in their own transaction, so one failure does not hold the others back
    (it is logged and counted, and tried again the next night). Safe to run twice.
    """
    today = today or timezone.localdate()
    summary = RetentionSummary()
    for person in people_due_for_anonymisation(today=today):
        try:
            person_anonymise(person)
        except Exception:
            logger.exception("retention could not anonymise person %s", person.pk)
            summary.failed += 1
        else:
            summary.anonymised += 1
    for part in parts():
        if part.retention is not None:
            with transaction.atomic():
                part.retention(today, summary)
    return summary
