"""The assessments' part of privacy (stakeholders.privacy): a person's invitations and answers; anonymising
removes their answer comments and closes their unanswered links; retention makes old rounds' answers anonymous."""

from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from stakeholders.privacy import Anonymisation, ExportRequest, PrivacyPart, RetentionSummary, plain, register


def export(request: ExportRequest) -> dict:
    from assessments.models import Answer, PairwiseAnswer, Respondent

    invitations = (
        Respondent.objects.filter(person_id=request.person.pk)
        .select_related("round__agreement", "round__instrument")
        .order_by("round__opens_on", "id")
    )
    if request.include_answers:
        answers = Answer.objects.select_related("item").order_by("item__position", "id")
        # A pairwise instrument's answers rate the agreement's other parties (Levels of Collaboration).
        pairwise = PairwiseAnswer.objects.select_related("to_party__organization").order_by("to_party_id")
        invitations = invitations.prefetch_related(
            Prefetch("answers", queryset=answers), Prefetch("pairwise_answers", queryset=pairwise)
        )
    return {
        "assessment_invitations": [
            plain(
                {
                    "round_id": respondent.round_id,
                    "agreement_title": respondent.round.agreement.title,
                    "instrument": respondent.round.instrument.name,
                    "opens_on": respondent.round.opens_on,
                    "closes_on": respondent.round.closes_on,
                    "language": respondent.language,
                    "invited_at": respondent.invited_at,
                    # When they answered (or had not, when reminded) only with the answers: a per-person time.
                    "reminded_at": respondent.reminded_at if request.include_answers else None,
                    "responded_at": respondent.responded_at if request.include_answers else None,
                    "answers": [
                        {
                            "position": answer.item.position,
                            "item": answer.item.label or answer.item.text,
                            "value": answer.value,
                            "comment": answer.comment,
                        }
                        for answer in respondent.answers.all()
                    ]
                    + [
                        {
                            "position": None,
                            "item": answer.to_party.organization.name,
                            "value": answer.value,
                            "comment": "",
                        }
                        for answer in respondent.pairwise_answers.all()
                    ]
                    if request.include_answers
                    else None,
                }
            )
            for respondent in invitations
        ],
        "answers_included": request.include_answers,
    }


def anonymise(erasure: Anonymisation) -> None:
    from assessments.choices import RoundStatus
    from assessments.models import Answer, Respondent

    person = erasure.person
    erasure.summary.comments_removed = (
        Answer.objects.filter(respondent__person=person).exclude(comment="").update(comment="")
    )
    # Unanswered invitations to rounds still running cannot reach a person without an address: their links
    # are closed (removed) rather than mailed and reminded in vain.
    Respondent.objects.filter(person=person, responded_at__isnull=True).exclude(
        round__status=RoundStatus.CLOSED
    ).delete()
    Respondent.objects.filter(person=person).exclude(last_error="").update(last_error="")


def rounds_past_retention(*, today: date | None = None):
    """Closed assessment rounds that closed more than ASSESSMENT_ANSWER_RETENTION_MONTHS ago."""
    from assessments.choices import RoundStatus
    from assessments.models import AssessmentRound

    today = today or timezone.localdate()
    cutoff = today - relativedelta(months=settings.ASSESSMENT_ANSWER_RETENTION_MONTHS)
    start_of_cutoff = timezone.make_aware(datetime.combine(cutoff, time.min))
    return AssessmentRound.objects.filter(status=RoundStatus.CLOSED, closed_at__lt=start_of_cutoff)


def retention(today: date, summary: RetentionSummary) -> None:
    """Old rounds lose their free-text comments and the link between answers and people; figures stay."""
    from assessments.models import Answer, Respondent

    old_rounds = rounds_past_retention(today=today)
    answers = Answer.objects.filter(respondent__round__in=old_rounds).exclude(comment="")
    respondents = Respondent.objects.filter(round__in=old_rounds, person__isnull=False)
    touched = set(answers.values_list("respondent__round_id", flat=True))
    touched |= set(respondents.values_list("round_id", flat=True))
    summary.rounds = len(touched)
    summary.comments_removed = answers.update(comment="")
    summary.respondents_unlinked = respondents.update(person=None, last_error="")


PART = register(PrivacyPart(app_label="assessments", export=export, anonymise=anonymise, retention=retention))
