"""Privacy (GDPR): everything stored about a person, anonymisation, and the retention job.

* ``person_export`` gathers what the database holds about one person as plain JSON, in a fixed number of
  queries whatever the number of roles, history rows, flags or answers; their login's too (its API tokens,
  subscription, the reports sent to it, its access records).
* ``person_anonymise`` replaces the person's name with a pseudonym ("Anonymiserad" / "person 123", in the
  site's language so it is the same whoever presses the button), blanks e-mail, phone and title in the row
  *and in every history row*, closes and blanks the linked login and deletes its access records (django-axes:
  username, address, browser), removes the person's free-text answer comments and scrubs every name (with its
  variants), e-mail address, phone number (in any spelling) and the username from every other text and JSON
  column of the database, history included (stakeholders.traces). Roles stay attached to the now
  pseudonymous person, so the history of who held which role remains. Safe to run twice.
* ``privacy_retention`` is the daily job: people who left more than ``PRIVACY_ANONYMISE_AFTER_MONTHS`` ago
  are anonymised, and assessment rounds closed more than ``ASSESSMENT_ANSWER_RETENTION_MONTHS`` ago lose
  their free-text comments and the link between answers and people (the figures stay as anonymous numbers).
"""

from __future__ import annotations

import logging
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

from stakeholders import traces
from stakeholders.models import Employment, Person

logger = logging.getLogger(__name__)

NUMBER = "%(number)d"
# Tables that are never scrubbed by text: logins are handled one by one (only the person's own), the others
# hold no free text about people (and sessions are signed blobs).
SWEEP_EXCLUDED = {"auth.user", "auth.permission", "contenttypes.contenttype", "sessions.session", "authtoken.token"}
TEXT_FIELDS = (models.CharField, models.TextField)  # EmailField and SlugField are CharFields
# Login records (django-axes) that name the person are theirs: deleted whole (address and browser with them)
# rather than rewritten, which could also make two of them collide on axes' unique (username, address, browser).
SWEEP_DELETES = {"axes.accessattempt", "axes.accessfailurelog", "axes.accesslog"}


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
    login: object | None = None  # the login the person had (already closed), if any


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
    """Everything stored about ``person`` as JSON-ready data, in a fixed number of queries (about 24): the
    register's own rows here, every other app's through its registered part.

    ``include_answers=False`` leaves out individual assessment answers (for users who may not see them).
    """
    from rest_framework.authtoken.models import Token

    person = (
        Person.objects.select_related("organization", "user", "user__auth_token")
        .prefetch_related("user__groups")
        .get(pk=person.pk)
    )
    pk = person.pk
    user = person.user
    login = None
    usernames = set()
    if user is not None:
        usernames.add(user.get_username())
        try:
            legacy_tokens = [{"created": user.auth_token.created}]  # never the key
        except Token.DoesNotExist:
            legacy_tokens = []
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
                "legacy_api_tokens": legacy_tokens,
            }
        )
    history = Person.history.model.objects.filter(id=pk).order_by("history_date", "history_id")
    history_fields = ("history_id", "history_date", "history_type", "history_change_reason")
    emails = {email.lower() for email in history.exclude(email="").values_list("email", flat=True)}
    if person.email:
        emails.add(person.email.lower())
    if user is not None and user.email:
        emails.add(user.email.lower())
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
        "employments": rows(
            Employment.objects.filter(person_id=pk).order_by("started_on", "id"),
            "id",
            "organization_id",
            "title",
            "started_on",
            "ended_on",
            organization_name="organization__name",
        ),
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
    # Logins tried under the login's username or one of the person's addresses (django-axes).
    export["access_records"] = _access_records_export(usernames | emails)
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


def _emails_of_others(person: Person, emails: set[str]) -> set[str]:
    """Those of ``emails`` another person or another login has now."""
    from django.contrib.auth import get_user_model
    from django.db.models.functions import Lower

    if not emails:
        return set()
    people = Person.objects.exclude(pk=person.pk).annotate(address=Lower("email")).filter(address__in=emails)
    logins = get_user_model().objects.exclude(pk=person.user_id).annotate(address=Lower("email"))
    return set(people.values_list("address", flat=True)) | set(
        logins.filter(address__in=emails).values_list("address", flat=True)
    )


def _traces(person: Person, *, pseudonym_name: str, name_pairs, emails, phones, usernames) -> list[traces.Trace]:
    """Every way the person may be written in other text: their names (in their variants), e-mail addresses,
    login names and phone numbers. A number another person also gives (a switchboard) is not theirs alone
    and stays."""
    found = []
    for first, last in name_pairs:
        given = first.split()
        for variant in {first, given[0] if given else ""}:  # "Anna Maria Berg" is also "Anna Berg"
            if f"{variant} {last}".strip().casefold() != pseudonym_name.casefold():
                found.append(traces.name_trace(variant, last, replacement=pseudonym_name))
    removed = _("(e-mail removed)")
    found += [traces.email_trace(email, part=removed) for email in emails]
    name_words = {word for pair in name_pairs for part in pair for word in part.split()}
    found += [
        traces.username_trace(username, replacement=f"anonymised-{person.user_id}", names=name_words)
        for username in usernames
        if person.user_id is not None
    ]
    for phone in phones:
        trace = traces.phone_trace(phone, part=_("(phone removed)"))
        if trace is None:
            continue
        others = Person.objects.exclude(pk=person.pk).filter(phone__regex=trace.regex).values_list("phone", flat=True)
        if not any(traces.same_phone(trace, other) for other in others):
            found.append(trace)
    return traces.ordered(found)


def _fitting(field, value):
    """A scrubbed text as its column takes it: a pseudonym is longer than many a name, so it is cut to the
    column's maximum length, and a column that may not be blank gets a dash rather than nothing."""
    if not isinstance(value, str):
        return value
    if field.max_length and len(value) > field.max_length:
        value = value[: field.max_length - 1] + "…"
    return value if value.strip() or field.blank else "–"


def _sweep(found: list[traces.Trace]) -> int:
    """Scrub the traces from every text and JSON column of every table; returns the rows changed.

    One query per table that has text columns (plus one update per matching row): a full scan, which is
    why anonymisation is a deliberate act or a nightly job, never part of a page.
    """
    if not found:
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
        for trace in found:
            for field in (*text, *data):
                if trace.regex:  # PostgreSQL reads a JSON column as its text for a regular expression
                    condition |= Q(**{f"{field.attname}__regex": trace.regex})
                    continue
                # JSON text may hold non-ASCII letters as \\u escapes (SQLite).
                for variant in trace.in_json_text() if field in data else {trace.contains}:
                    condition |= Q(**{f"{field.attname}__icontains": variant})
        fields = (*text, *data)
        columns = [field.attname for field in fields]
        for pk, *values in model._base_manager.filter(condition).values_list("pk", *columns):
            update = {}
            for field, value in zip(fields, values, strict=True):
                scrubbed = traces.scrub(value, found)
                if scrubbed != value:
                    update[field.attname] = _fitting(field, scrubbed)
            if update and opts.label_lower in SWEEP_DELETES:
                model._base_manager.filter(pk=pk).delete()
                changed_rows += 1
            elif update:
                model._base_manager.filter(pk=pk).update(**update)
                changed_rows += 1
    return changed_rows


def _access_records(usernames) -> dict[str, models.QuerySet]:
    """django-axes' records of logins tried under these usernames (any case): the per-address counters,
    the log of each failure and the log of logins; they hold the address and the browser."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    condition = Q(pk__in=[])
    for username in {username.strip() for username in usernames} - {""}:
        condition |= Q(username__iexact=username)
    return {
        "login_attempts": AccessAttempt.objects.filter(condition),
        "failed_logins": AccessFailureLog.objects.filter(condition),
        "logins": AccessLog.objects.filter(condition),
    }


def _access_records_export(usernames) -> dict[str, list[dict]]:
    base = ("username", "ip_address", "user_agent", "http_accept", "path_info", "attempt_time")
    extra = {
        "login_attempts": ("get_data", "post_data", "failures_since_start"),
        "failed_logins": ("locked_out",),
        "logins": ("logout_time",),
    }
    return {
        section: rows(records.order_by("attempt_time", "id"), *base, *extra[section])
        for section, records in _access_records(usernames).items()
    }


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
    # The admin log names the login by its username where it was changed in the admin; the sweep cannot
    # replace a username that is merely a name everywhere, so these entries are renamed here.
    LogEntry.objects.filter(
        content_type__app_label=user._meta.app_label, content_type__model=user._meta.model_name, object_id=str(user.pk)
    ).update(object_repr=user.get_username())
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
    past = list(historical.values_list("first_name", "last_name", "email", "phone"))
    name_pairs = {(first, last) for first, last, _email, _phone in past} | {(person.first_name, person.last_name)}
    emails = {email.lower() for _first, _last, email, _phone in past if email}
    if person.email:
        emails.add(person.email.lower())
    phones = {phone for *_rest, phone in past if phone} | ({person.phone} if person.phone else set())
    login = person.user
    usernames = set()
    if login is not None:
        name_pairs.add((login.first_name, login.last_name))
        if login.email:
            emails.add(login.email.lower())
        usernames.add(login.get_username())
    # An address someone else now has (a shared mailbox, one handed to a successor) is theirs: left alone.
    emails -= _emails_of_others(person, emails)
    names = {f"{first} {last}".strip() for first, last in name_pairs} - {""}
    first, last = pseudonym(person.pk)
    found = _traces(
        person,
        pseudonym_name=f"{first} {last}",
        name_pairs=name_pairs,
        emails=emails,
        phones=phones,
        usernames=usernames,
    )

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
    # A job title can point at one person as well as a name: the career keeps its organisations and dates only.
    Employment.objects.filter(person_id=person.pk).update(title="")
    summary.history_rows += Employment.history.model.objects.filter(person_id=person.pk).update(title="")
    # The login's failed and successful logins (username, address, browser) belong to the login: removed,
    # as are those tried under one of the person's addresses.
    for records in _access_records(usernames | emails).values():
        summary.other_rows_cleaned += records.delete()[0]
    if login is not None:
        _close_login(login)
        summary.login_closed = True
    erasure = Anonymisation(
        person=person, names=frozenset(names), emails=frozenset(emails), summary=summary, login=login
    )
    for part in parts():
        if part.anonymise is not None:
            part.anonymise(erasure)
    summary.other_rows_cleaned += _sweep(found)
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
