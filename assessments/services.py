"""Writes of assessments. Rounds: starting them (by a coordinator or the schedule), inviting and reminding
respondents by e-mail with their personal links, moving the closing date, closing and deleting; every function is
safe to run twice: a respondent is invited once and reminded once, whatever runs the job and however often.
Instruments: a new version of an instrument (the only way to change one that is shipped or answered).
Answers: saving a respondent's answers from the answer page (views.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agreements.choices import AgreementStatus
from agreements.models import Agreement, Representative, Responsibility
from assessments.choices import RoundStatus
from assessments.models import Answer, AssessmentRound, Band, Instrument, InstrumentSection, Item, Respondent
from assessments.tokens import new_nonce, token_digest, token_for
from stakeholders.models import Person

logger = logging.getLogger(__name__)

INVITATION = "invitation"
REMINDER = "reminder"


# --- who is asked ----------------------------------------------------------------------------------


def default_respondents(agreement: Agreement, *, today: date | None = None) -> list[Person]:
    """Every active person with an e-mail among the agreement's representatives, role holders (responsible
    and deputy) and its coordinator, by name."""
    today = today or timezone.localdate()
    ids = set(Representative.objects.filter(party__agreement=agreement).values_list("person_id", flat=True))
    for responsible_id, deputy_id in Responsibility.objects.filter(agreement=agreement).values_list(
        "responsible_id", "deputy_id"
    ):
        ids.update((responsible_id, deputy_id))
    ids.add(agreement.coordinator_id)
    ids.discard(None)
    return list(Person.objects.filter(pk__in=ids).active(today).exclude(email="").order_by("last_name", "first_name"))


def _respondent(round_: AssessmentRound, person: Person) -> Respondent:
    nonce = new_nonce()
    return Respondent(
        round=round_, person=person, nonce=nonce, token_digest=token_digest(token_for(nonce)), language=person.language
    )


def _check_persons(persons: list[Person], *, today: date) -> None:
    unreachable = [str(person) for person in persons if not person.email]
    if unreachable:
        raise ValidationError(
            {
                "persons": _("These people have no e-mail address to send the link to: %(names)s.")
                % {"names": ", ".join(unreachable)}
            }
        )
    departed = [str(person) for person in persons if person.left_on is not None and person.left_on <= today]
    if departed:
        raise ValidationError({"persons": _("These people have left: %(names)s.") % {"names": ", ".join(departed)}})


# --- starting, opening, closing ----------------------------------------------------------------------


def round_create_errors(
    *, agreement: Agreement, instrument: Instrument, opens_on: date, closes_on: date, today: date
) -> dict[str, str]:
    """What :func:`round_create` refuses about the round itself (by field), before it looks at the people."""
    errors: dict[str, str] = {}
    if agreement.status in (AgreementStatus.EXPIRED, AgreementStatus.TERMINATED):
        errors["agreement"] = _("The agreement has ended; start rounds only for draft or active agreements.")
    if not instrument.is_active:
        errors["instrument"] = _("This instrument version is no longer offered; choose its newest version.")
    elif not instrument.pairwise and not Item.objects.filter(instrument=instrument, kind="scale").exists():
        errors["instrument"] = _("The instrument has no rated items.")
    if opens_on and closes_on and closes_on < opens_on:
        errors["closes_on"] = _("A round cannot close before it opens.")
    elif closes_on and closes_on < today:
        errors["closes_on"] = _("The closing date has already passed.")
    return errors


def round_create(
    *,
    agreement: Agreement,
    instrument: Instrument,
    opens_on: date,
    closes_on: date,
    persons: list[Person] | None = None,
    user=None,
    automatic: bool = False,
    today: date | None = None,
) -> AssessmentRound:
    """Start a round; ``persons`` defaults to :func:`default_respondents`. A round opening today or earlier
    opens at once and its invitations go out after the commit (or with the next daily job)."""
    today = today or timezone.localdate()
    errors = round_create_errors(
        agreement=agreement, instrument=instrument, opens_on=opens_on, closes_on=closes_on, today=today
    )
    if errors:
        raise ValidationError(errors)
    persons = default_respondents(agreement, today=today) if persons is None else list(dict.fromkeys(persons))
    if not persons:
        raise ValidationError(
            {"persons": _("Nobody to ask: the agreement has no active representatives or role holders with e-mail.")}
        )
    _check_persons(persons, today=today)
    with transaction.atomic():
        round_ = AssessmentRound(
            agreement=agreement,
            instrument=instrument,
            opens_on=opens_on,
            closes_on=closes_on,
            created_by=user if getattr(user, "is_authenticated", False) else None,
            created_automatically=automatic,
        )
        round_.full_clean()
        round_.save()
        Respondent.objects.bulk_create(_respondent(round_, person) for person in persons)
        if opens_on <= today:
            _open(round_)
    return round_


def _open(round_: AssessmentRound) -> None:
    round_.status = RoundStatus.OPEN
    round_.opened_at = timezone.now()
    round_.save(update_fields=["status", "opened_at"])
    transaction.on_commit(lambda: _queue_invitations(round_.pk))


def _queue_invitations(round_id: int) -> None:
    from assessments.tasks import assessment_invitations_send

    try:
        assessment_invitations_send.delay(round_id)
    except Exception:  # broker down: the daily job sends them
        logger.warning("could not queue the invitations of round %s; the daily job will send them", round_id)


def respondents_set(round_: AssessmentRound, persons: list[Person], *, today: date | None = None) -> tuple[int, int]:
    """Make ``persons`` the round's respondents: new ones are added (and invited if the round is open),
    others removed — except people who have answered, who are kept. Returns (added, removed)."""
    today = today or timezone.localdate()
    if round_.status == RoundStatus.CLOSED:
        raise ValidationError(_("The round is closed."))
    wanted = {person.pk: person for person in persons}
    with transaction.atomic():
        current = dict(round_.respondents.values_list("person_id", "responded_at"))
        answered_removed = [pk for pk, responded in current.items() if pk not in wanted and responded]
        if answered_removed:
            names = ", ".join(str(p) for p in Person.objects.filter(pk__in=answered_removed))
            raise ValidationError(
                _("These people have already answered and stay in the round: %(names)s.") % {"names": names}
            )
        new = [person for pk, person in wanted.items() if pk not in current]
        _check_persons(new, today=today)
        Respondent.objects.bulk_create(_respondent(round_, person) for person in new)
        removed, _detail = round_.respondents.exclude(person_id__in=wanted).delete()
        if new and round_.status == RoundStatus.OPEN:
            transaction.on_commit(lambda: _queue_invitations(round_.pk))
    return len(new), removed


def rounds_open_due(*, today: date | None = None) -> int:
    """Open scheduled rounds whose opening date has come."""
    today = today or timezone.localdate()
    opened = 0
    for round_ in AssessmentRound.objects.filter(
        status=RoundStatus.SCHEDULED, opens_on__lte=today, closes_on__gte=today
    ):
        with transaction.atomic():
            locked = AssessmentRound.objects.select_for_update().get(pk=round_.pk)
            if locked.status == RoundStatus.SCHEDULED:
                _open(locked)
                opened += 1
    return opened


def rounds_close_due(*, today: date | None = None) -> int:
    """Close every round that is past its closing date (a scheduled round nobody opened closes too)."""
    today = today or timezone.localdate()
    return (
        AssessmentRound.objects.filter(closes_on__lt=today)
        .exclude(status=RoundStatus.CLOSED)
        .update(status=RoundStatus.CLOSED, closed_at=timezone.now())
    )


def round_close(round_: AssessmentRound) -> None:
    """Close a round now (a coordinator's decision); its links stop working at once."""
    if round_.status != RoundStatus.CLOSED:
        round_.status = RoundStatus.CLOSED
        round_.closed_at = timezone.now()
        round_.save(update_fields=["status", "closed_at"])


class RoundHasAnswers(ValidationError):
    """A round somebody has answered is kept: its results are part of the agreement's history."""


def round_has_answers(round_: AssessmentRound) -> bool:
    """Whether anybody has answered (answers are saved with the respondent's ``responded_at``); a row from
    :func:`assessments.selectors.round_list` answers from its count."""
    answered = getattr(round_, "answered_count", None)
    if answered is not None:
        return answered > 0
    return (
        round_.respondents.filter(responded_at__isnull=False).exists()
        or Answer.objects.filter(respondent__round=round_).exists()
    )


def closes_on_problem(round_: AssessmentRound, closes_on: date, *, today: date | None = None) -> str | None:
    """Why a round's closing date cannot be moved to ``closes_on``, or None."""
    today = today or timezone.localdate()
    if round_.status == RoundStatus.CLOSED:
        return _("The round is closed; its closing date can no longer change.")
    if round_.opens_on and closes_on < round_.opens_on:
        return _("A round cannot close before it opens.")
    if closes_on < today and closes_on != round_.closes_on:
        return _("The closing date has already passed.")
    return None


def round_closes_on_set(*, round_: AssessmentRound, closes_on: date, today: date | None = None) -> AssessmentRound:
    """Move the closing date of a round that has not closed (not into the past)."""
    with transaction.atomic():
        locked = AssessmentRound.objects.select_for_update().get(pk=round_.pk)
        problem = closes_on_problem(locked, closes_on, today=today)
        if problem:
            raise ValidationError({"closes_on": problem})
        locked.closes_on = closes_on
        locked.full_clean()
        locked.save(update_fields=["closes_on"])
    round_.closes_on = closes_on
    return locked


def round_delete(*, round_: AssessmentRound) -> None:
    """Delete a round nobody has answered (with its respondents and their unused links)."""
    with transaction.atomic():
        locked = AssessmentRound.objects.select_for_update().get(pk=round_.pk)
        if round_has_answers(locked):
            raise RoundHasAnswers(
                _("Somebody has answered this round; it is kept with its results. Close it instead."),
                code="has_answers",
            )
        locked.delete()


def due_instrument(agreement: Agreement, last_round: AssessmentRound | None) -> Instrument | None:
    """The newest offered version of the instrument the agreement used last time, else the default."""
    code = last_round.instrument.code if last_round else settings.ASSESSMENT_DEFAULT_INSTRUMENT
    instrument = Instrument.objects.filter(code=code, is_active=True).order_by("-version").first()
    if instrument is None and last_round is not None:
        instrument = (
            Instrument.objects.filter(code=settings.ASSESSMENT_DEFAULT_INSTRUMENT, is_active=True)
            .order_by("-version")
            .first()
        )
    return instrument


@dataclass
class DueOutcome:
    created: list[AssessmentRound] = field(default_factory=list)
    skipped: list[tuple[Agreement, str]] = field(default_factory=list)


def rounds_create_due(*, today: date | None = None) -> DueOutcome:
    """Start a round for every active agreement whose assessment interval has passed since its last round
    (or since it started) and that has no round under way. Agreements with nobody to ask are reported."""
    today = today or timezone.localdate()
    outcome = DueOutcome()
    under_way = AssessmentRound.objects.filter(agreement=OuterRef("pk")).exclude(status=RoundStatus.CLOSED)
    agreements = (
        Agreement.objects.filter(status=AgreementStatus.ACTIVE, valid_from__isnull=False)
        .annotate(last_opened=Max("assessment_rounds__opens_on"), busy=Exists(under_way))
        .filter(busy=False)
    )
    for agreement in agreements:
        since = agreement.last_opened or agreement.valid_from
        if since + relativedelta(months=agreement.assessment_interval_months) > today:
            continue
        last_round = (
            AssessmentRound.objects.filter(agreement=agreement)
            .select_related("instrument")
            .order_by("-opens_on")
            .first()
        )
        instrument = due_instrument(agreement, last_round)
        if instrument is None:
            outcome.skipped.append((agreement, _("no instrument is offered")))
            continue
        try:
            round_ = round_create(
                agreement=agreement,
                instrument=instrument,
                opens_on=today,
                closes_on=today + relativedelta(days=settings.ASSESSMENT_ROUND_DAYS),
                automatic=True,
                today=today,
            )
        except ValidationError as exc:
            outcome.skipped.append((agreement, " ".join(exc.messages)))
        else:
            outcome.created.append(round_)
    return outcome


# --- e-mail ------------------------------------------------------------------------------------------


def respondent_link(respondent: Respondent) -> str:
    return settings.SITE_URL + reverse("assessments:answer", args=[token_for(respondent.nonce)])


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def respondent_mail(respondent: Respondent, kind: str) -> RenderedMail:
    round_ = respondent.round
    with translation.override(respondent.language):
        context = {
            "respondent": respondent,
            "person": respondent.person,
            "round": round_,
            "agreement": round_.agreement,
            "instrument": round_.instrument,
            "coordinator": round_.agreement.coordinator,
            "link": respondent_link(respondent),
            "reminder": kind == REMINDER,
            "scored_items": round_.instrument.items.filter(kind="scale").count(),
        }
        if kind == REMINDER:
            subject = _("Reminder: how is the collaboration in %(agreement)s going?")
        else:
            subject = _("How is the collaboration in %(agreement)s going?")
        subject = subject % {"agreement": round_.agreement.title}
        text = render_to_string("assessments/email/invitation.txt", context)
        html = render_to_string("assessments/email/invitation.html", context)
    return RenderedMail(subject=subject, text=text, html=html)


def respondent_send(respondent_id: int, kind: str, *, today: date | None = None) -> bool:
    """Send one invitation or reminder exactly once: claimed under a row lock, marked in the same
    transaction. Returns whether a mail went out; a failure is recorded on the row and raised again for
    the caller to retry."""
    stamp = "invited_at" if kind == INVITATION else "reminded_at"
    error: Exception | None = None
    with transaction.atomic():
        respondent = (
            Respondent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("round__agreement__coordinator", "round__instrument", "person")
            .filter(pk=respondent_id)
            .first()
        )
        if respondent is None:
            return False  # gone, or being sent by another worker
        if getattr(respondent, stamp) is not None:
            return False
        if not respondent.round.accepts_answers(today) or (kind == REMINDER and respondent.responded_at):
            return False
        try:
            mail = respondent_mail(respondent, kind)
            message = EmailMultiAlternatives(
                subject=mail.subject,
                body=mail.text,
                to=[respondent.person.email],
                headers={"Auto-Submitted": "auto-generated"},
            )
            message.attach_alternative(mail.html, "text/html")
            message.send(fail_silently=False)
        except Exception as exc:  # SMTP down or a bad address: recorded, raised, retried later
            error = exc
            respondent.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            respondent.save(update_fields=["last_error"])
            logger.warning("assessment %s to respondent %s failed", kind, respondent_id, exc_info=True)
        else:
            setattr(respondent, stamp, timezone.now())
            respondent.last_error = ""
            respondent.save(update_fields=[stamp, "last_error"])
    if error is not None:
        raise error
    return True


def _send_all(respondent_ids: list[int], kind: str, today: date) -> tuple[int, int]:
    sent = failed = 0
    for respondent_id in respondent_ids:
        try:
            sent += respondent_send(respondent_id, kind, today=today)
        except Exception:
            failed += 1
    return sent, failed


def invitations_send(*, round_id: int | None = None, today: date | None = None) -> tuple[int, int]:
    """Invite every respondent of open rounds (or of one round) not invited yet. Returns (sent, failed);
    one failing address never stops the others."""
    today = today or timezone.localdate()
    respondents = Respondent.objects.filter(
        invited_at__isnull=True, round__status=RoundStatus.OPEN, round__opens_on__lte=today, round__closes_on__gte=today
    )
    if round_id is not None:
        respondents = respondents.filter(round_id=round_id)
    return _send_all(list(respondents.values_list("pk", flat=True)), INVITATION, today)


def reminders_send(*, today: date | None = None) -> tuple[int, int]:
    """Remind, once, respondents who were invited but have not answered, when their round closes within
    ASSESSMENT_REMINDER_DAYS days. Nothing is sent after the round closes."""
    today = today or timezone.localdate()
    respondents = Respondent.objects.filter(
        Q(round__status=RoundStatus.OPEN)
        & Q(round__closes_on__gte=today)
        & Q(round__closes_on__lte=today + relativedelta(days=settings.ASSESSMENT_REMINDER_DAYS)),
        invited_at__isnull=False,
        reminded_at__isnull=True,
        responded_at__isnull=True,
    )
    return _send_all(list(respondents.values_list("pk", flat=True)), REMINDER, today)


# --- the daily jobs ------------------------------------------------------------------------------------


def daily_open(*, today: date | None = None) -> dict[str, int]:
    """06:00: start due rounds, open scheduled ones, send every invitation still owed."""
    today = today or timezone.localdate()
    due = rounds_create_due(today=today)
    for agreement, reason in due.skipped:
        logger.info("no assessment round started for agreement %s: %s", agreement.pk, reason)
    opened = rounds_open_due(today=today)
    sent, failed = invitations_send(today=today)
    return {"started": len(due.created), "skipped": len(due.skipped), "opened": opened, "sent": sent, "failed": failed}


def daily_follow_up(*, today: date | None = None) -> dict[str, int]:
    """06:30: close rounds past their date, then remind (never after a round has closed)."""
    today = today or timezone.localdate()
    closed = rounds_close_due(today=today)
    sent, failed = reminders_send(today=today)
    return {"closed": closed, "reminded": sent, "failed": failed}


def describe_open(counts: dict[str, int]) -> str:
    return (
        _(
            "%(started)d rounds started (%(skipped)d agreements due had nobody to ask or no instrument), %(opened)d "
            "opened, %(sent)d invitations sent, %(failed)d failed."
        )
        % counts
    )


def describe_follow_up(counts: dict[str, int]) -> str:
    return _("%(closed)d rounds closed, %(reminded)d reminders sent, %(failed)d failed.") % counts


# --- instruments --------------------------------------------------------------------------------------


_NOT_COPIED = {"id", "version", "is_active", "is_builtin", "created_at"}
_SECTION = ("position", "title_sv", "title_en", "description_sv", "description_en")
_ITEM = ("position", "kind", "label_sv", "label_en", "text_sv", "text_en")
_BAND = ("min_total", "max_total", "label_sv", "label_en", "advice_sv", "advice_en")


def _values(row, names: tuple[str, ...]) -> dict:
    return {name: getattr(row, name) for name in names}


# --- reads -------------------------------------------------------------------------------------------


def _values(row, names: tuple[str, ...]) -> dict:
    return {name: getattr(row, name) for name in names}


# --- reads -------------------------------------------------------------------------------------------


@transaction.atomic
def instrument_new_version(instrument: Instrument) -> Instrument:
    """Copy an instrument (sections, items, bands) into the next version of its code, offered for new
    rounds; every other version of the code stops being offered. Past rounds keep their version."""
    # Every version of the code is locked, so two copies made at once get consecutive numbers.
    versions = Instrument.objects.filter(code=instrument.code)
    locked = list(versions.select_for_update().order_by("pk"))
    source = next(version for version in locked if version.pk == instrument.pk)
    latest = max(version.version for version in locked)
    copy = Instrument(
        **{
            field.attname: getattr(source, field.attname)
            for field in Instrument._meta.concrete_fields
            if field.name not in _NOT_COPIED
        },
        version=latest + 1,
        is_active=True,
        is_builtin=False,
    )
    copy.full_clean()
    copy.save()
    section_copies = {}
    for section in source.sections.order_by("position", "id"):
        section_copies[section.pk] = InstrumentSection.objects.create(instrument=copy, **_values(section, _SECTION))
    Item.objects.bulk_create(
        Item(instrument=copy, section=section_copies[item.section_id], **_values(item, _ITEM))
        for item in source.items.order_by("position", "id")
    )
    Band.objects.bulk_create(
        Band(instrument=copy, **_values(band, _BAND)) for band in source.bands.order_by("min_total", "id")
    )
    versions.exclude(pk=copy.pk).update(is_active=False)
    return copy


# --- answers (the answer page) ----------------------------------------------------------------------------

COMMENT_MAX_LENGTH = 4000


def answers_save(
    respondent: Respondent, values: dict[int, tuple[int | None, str]], *, today: date | None = None
) -> Respondent:
    """Save a respondent's answers (``{item_id: (value or None, comment)}``), replacing earlier ones, in one
    transaction. Every scored item needs a value on the instrument's scale; text items take only a comment.
    Refused (ValidationError) when the round no longer accepts answers."""
    round_ = respondent.round
    items = {item.pk: item for item in Item.objects.filter(instrument_id=round_.instrument_id)}
    _check_values(round_.instrument, items, values)
    now = timezone.now()
    with transaction.atomic():
        # Locking the round makes a close that runs now wait for this save, or this save see the close.
        locked = AssessmentRound.objects.select_for_update().get(pk=round_.pk)
        if not locked.accepts_answers(today):
            raise ValidationError(_("The assessment is closed; answers can no longer be saved."), code="closed")
        rows, emptied = [], []
        for item_id, (value, comment) in values.items():
            comment = (comment or "").strip()
            if value is None and not comment:
                emptied.append(item_id)  # a text item cleared on revision: nothing to keep
            else:
                rows.append(Answer(respondent=respondent, item_id=item_id, value=value, comment=comment))
        if rows:
            Answer.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["respondent", "item"],
                update_fields=["value", "comment"],
            )
        if emptied:
            Answer.objects.filter(respondent=respondent, item_id__in=emptied).delete()
        Respondent.objects.filter(pk=respondent.pk).update(responded_at=Coalesce("responded_at", now), updated_at=now)
    respondent.responded_at = respondent.responded_at or now
    respondent.updated_at = now
    return respondent


def _check_values(instrument, items: dict[int, Item], values: dict[int, tuple[int | None, str]]) -> None:
    errors: dict[str, list[str]] = {}
    unknown = [item_id for item_id in values if item_id not in items]
    if unknown:
        raise ValidationError(_("An answer refers to a question that is not part of this assessment."), code="item")
    for item_id, item in items.items():
        value, comment = values.get(item_id, (None, ""))
        key = str(item_id)
        if item.is_scored:
            if value is None:
                errors.setdefault(key, []).append(_("Choose a value for this question."))
            elif not instrument.scale_min <= value <= instrument.scale_max:
                errors.setdefault(key, []).append(
                    _("Choose a value from %(min)s to %(max)s.")
                    % {"min": instrument.scale_min, "max": instrument.scale_max}
                )
        elif value is not None:
            errors.setdefault(key, []).append(_("This question takes a written answer, not a value."))
        if comment and len(comment.strip()) > COMMENT_MAX_LENGTH:
            errors.setdefault(key, []).append(_("Write at most %(max)s characters.") % {"max": COMMENT_MAX_LENGTH})
    if errors:
        raise ValidationError(errors)
