"""The public answer page's service: finding the respondent behind a personal link, saving their answers, and
limiting how fast one client may guess links. No login: the token in the link is the only key."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.choices import RoundStatus
from assessments.models import Answer, AssessmentRound, Item, Respondent
from assessments.tokens import token_digest
from samverkan_project.ratelimit import FailureLimiter

COMMENT_MAX_LENGTH = 4000


def respondent_for_token(token: str) -> Respondent | None:
    """The respondent a link belongs to (with round, instrument, agreement and person), or None; one query.

    Every input costs the same: its digest is computed and looked up through the unique index, whatever its
    shape, so a guess learns nothing from the time it takes."""
    digest = token_digest(token)
    try:
        return Respondent.objects.select_related("round__instrument", "round__agreement", "person").get(
            token_digest=digest
        )
    except Respondent.DoesNotExist:
        return None


def round_state(round_: AssessmentRound, today: date | None = None) -> str:
    """``open``, ``not_open`` (scheduled, or before its opening date) or ``closed`` (closed, or past its closing
    date even if the nightly job has not closed it yet)."""
    today = today or timezone.localdate()
    if round_.status == RoundStatus.CLOSED or today > round_.closes_on:
        return "closed"
    if round_.accepts_answers(today):
        return "open"
    return "not_open"


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


# --- guessing links ---------------------------------------------------------------------------------

# Failed link lookups allowed per client address in a window (seconds); past it every lookup from that
# address is refused until the window ends, good links too, or guessing would go on.
link_guesses = FailureLimiter(
    "assessments:bad-links",
    limit_setting="ASSESSMENT_LINK_RATE_LIMIT",
    window_setting="ASSESSMENT_LINK_RATE_WINDOW",
    limit_default=20,
    window_default=600,
    description="the link guessing limit",
)


def lookups_blocked(client: str) -> bool:
    """Whether this client address has failed too many link lookups in the current window. A cache that
    can't be reached (Redis down) blocks nobody: the page keeps serving, and tokens stay unguessable."""
    return link_guesses.blocked(client)


def lookup_failed(client: str) -> None:
    """Count a failed link lookup for this client address; the window starts with its first failure."""
    link_guesses.failed(client)
