"""Demo assessment rounds on the demo agreements (ops/demo/agreements.py), and the service that seeds them.

The rounds are declared in ``data/assessments.toml`` (its header describes the fields); ``load_assessed``
reads them into ``AssessedAgreementSeed`` and ``RoundSeed``. Past rounds give the results pages a trend
and the assessment risk rules something to find:

* ``KS 2025/0412`` Unga till arbete: Samverkansmodellen about 13 and 2 months ago, sound and slightly
  better the second time.
* ``KS 2024/0871`` Trygg i centrum: Samverkansmodellen about 14 and 2 months ago; in the latest round the
  respondents are divided on *Tillit* (2, 8, 9, 7, 8) since a key person left — ``assessment_disagreement``.
  ("Olika aktörer kan ha helt olika bilder av vad vi lyckas mer eller mindre bra med", seeds/004.)
* ``KS 2024/0188`` Lokalt näringslivsråd, carried by one person: Testa din samverkan about 14 and 2 months
  ago, falling from 79.5 to 57.5 points ("Viljan finns, det märks!") — ``declining_assessment`` and
  ``low_assessment_score``.
* ``RS 2025/0961`` Kompetensförsörjning vård och omsorg: a Samverkansmodellen round open now (opened four
  days ago, closes in two weeks); two of its respondents have answered, the others have not, so a
  coordinator can try their links (the round's page in the admin shows them).

The other active demo agreements have no rounds, so those active for a year are ``assessment_overdue``.

Rounds are written directly rather than through ``assessments.services.round_create``: past rounds cannot be
started (their closing date has passed) and the seed sends no e-mail — every respondent is marked invited
already. Respondents are the agreement's default respondents (``assessments.services.default_respondents``), first by
name. Dates are relative to the day of seeding. Re-running: an agreement that has any assessment round is
left as it is (its rounds may be the demo's, a coordinator's or the schedule's), so a re-run creates
nothing and moves no dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import Agreement
from assessments.choices import ItemKind, RoundStatus
from assessments.instruments import SAMVERKANSMODELLEN, TESTA_DIN_SAMVERKAN
from assessments.models import Answer, AssessmentRound, Instrument, Item, Respondent
from assessments.services import default_respondents
from assessments.tokens import new_nonce, token_digest, token_for
from ops.demo.datafiles import DATA_DIR, FromToday, build, read, relative_date, tables
from ops.demo.register import SeedSummary

SEEDED_MODELS = (AssessmentRound, Respondent, Answer)

DATA_FILE = "assessments.toml"
INSTRUMENTS = (SAMVERKANSMODELLEN, TESTA_DIN_SAMVERKAN)  # version 1 of each


@dataclass(frozen=True)
class AnswerSeed:
    scores: str  # one digit per scored item, in order; spaces only for reading ("44434 34434 …"), "10" as "X"
    comments: tuple[str, ...] = ()  # the free-text items' answers, in order; blank ones are left out

    def values(self) -> list[int]:
        return [10 if digit == "X" else int(digit) for digit in self.scores if not digit.isspace()]


@dataclass(frozen=True)
class RoundSeed:
    instrument: str  # code; version 1
    opens: FromToday
    days_open: int
    answers: tuple[AnswerSeed, ...]
    silent: int  # further respondents who were invited and have not answered (as many as there are)
    is_open: bool = False  # still open for answers (closes in the future)


@dataclass(frozen=True)
class AssessedAgreementSeed:
    reference: str
    rounds: tuple[RoundSeed, ...]  # oldest first


def load_assessed(data_dir: Path = DATA_DIR) -> tuple[AssessedAgreementSeed, ...]:
    """The agreements and their rounds declared in ``assessments.toml``."""
    document = read(DATA_FILE, data_dir)
    assessed = []
    for index, table in enumerate(tables(document, "agreement", DATA_FILE), start=1):
        where = f"{DATA_FILE}, agreement {table.get('reference', f'#{index}')!r}"
        rounds = tuple(
            _round(round_table, f"{where}, round #{number}")
            for number, round_table in enumerate(tables(table, "round", where), start=1)
        )
        assessed.append(build(AssessedAgreementSeed, table, where, skip={"round"}, rounds=rounds))
    return tuple(assessed)


def _round(table: dict[str, Any], where: str) -> RoundSeed:
    answers = tuple(
        build(AnswerSeed, answer, f"{where}, answer #{number}", convert={"scores": _scores, "comments": _comments})
        for number, answer in enumerate(tables(table, "answers", where), start=1)
    )
    return build(
        RoundSeed,
        table,
        where,
        convert={"instrument": _instrument, "opens": relative_date},
        skip={"answers"},
        answers=answers,
    )


def _instrument(value: Any) -> str:
    if value not in INSTRUMENTS:
        raise ValueError(f"{value!r} is not one of {', '.join(map(repr, INSTRUMENTS))}")
    return value


def _comments(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(text, str) for text in value):
        raise ValueError(f"{value!r} is not a list of texts")
    return tuple(value)


def _scores(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9X ]+", value):
        raise ValueError(f"{value!r} is not a string of digits (X for 10), spaced for reading")
    return value


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@transaction.atomic
def seed_demo_assessments(*, today: dt.date | None = None) -> SeedSummary:
    """Create the demo rounds of the demo agreements that have no assessment round yet; others are left alone.

    Needs the demo agreements (``ops.demo.agreements.seed_demo_agreements``) to be loaded first.
    """
    declared = load_assessed()
    today = today or timezone.localdate()
    summary = SeedSummary()
    for model in SEEDED_MODELS:
        summary.counts_for(model)
    agreements = {
        agreement.reference: agreement
        for agreement in Agreement.objects.filter(reference__in=[seed.reference for seed in declared])
    }
    absent = [seed.reference for seed in declared if seed.reference not in agreements]
    if absent:
        raise ValidationError(
            _("The demo agreements are not loaded or lack %(missing)s; load them first.")
            % {"missing": ", ".join(absent)}
        )
    instruments = {
        instrument.code: instrument for instrument in Instrument.objects.filter(code__in=INSTRUMENTS, version=1)
    }
    items = {
        code: list(Item.objects.filter(instrument=instrument).order_by("position"))
        for code, instrument in instruments.items()
    }
    for seed in declared:
        agreement = agreements[seed.reference]
        existing = AssessmentRound.objects.filter(agreement=agreement)
        if existing.exists():
            summary.counts_for(AssessmentRound).unchanged += existing.count()
            summary.counts_for(Respondent).unchanged += Respondent.objects.filter(round__in=existing).count()
            summary.counts_for(Answer).unchanged += Answer.objects.filter(respondent__round__in=existing).count()
            continue
        people = default_respondents(agreement, today=today)
        for round_seed in seed.rounds:
            _create_round(agreement, round_seed, instruments[round_seed.instrument], items, people, today, summary)
    return summary


def _create_round(agreement, seed: RoundSeed, instrument, items, people, today, summary) -> AssessmentRound:
    opens_on = seed.opens.on(today)
    closes_on = opens_on + dt.timedelta(days=seed.days_open)
    if (closes_on >= today) != seed.is_open:
        raise ValueError(f"demo round of {agreement.reference} opening {opens_on}: dates and status disagree")
    answering = len(seed.answers)
    if len(people) < answering:
        raise ValueError(f"demo agreement {agreement.reference} has {len(people)} people to ask, not {answering}")
    asked = people[: answering + seed.silent]
    round_ = AssessmentRound(
        agreement=agreement,
        instrument=instrument,
        opens_on=opens_on,
        closes_on=closes_on,
        status=RoundStatus.OPEN if seed.is_open else RoundStatus.CLOSED,
        opened_at=_at(opens_on, 6),
        closed_at=None if seed.is_open else _at(closes_on + dt.timedelta(days=1), 6),
    )
    round_.full_clean()
    round_.save()
    scored = [item for item in items[instrument.code] if item.kind == ItemKind.SCALE]
    texts = [item for item in items[instrument.code] if item.kind == ItemKind.TEXT]
    last_answer_day = min(closes_on, today)
    respondents, answers = [], []
    for index, person in enumerate(asked):
        nonce = new_nonce()
        respondent = Respondent(
            round=round_,
            person=person,
            nonce=nonce,
            token_digest=token_digest(token_for(nonce)),
            language=person.language,
            invited_at=_at(opens_on, 7),
        )
        if index < answering:
            answered_on = min(opens_on + dt.timedelta(days=1 + 2 * index), last_answer_day)
            respondent.responded_at = respondent.updated_at = _at(answered_on, 9 + index)
            answer = seed.answers[index]
            values = answer.values()
            if len(values) != len(scored):
                raise ValueError(f"demo round of {agreement.reference}: {len(values)} values for {len(scored)} items")
            answers.extend((respondent, item, value, "") for item, value in zip(scored, values, strict=True))
            answers.extend(
                (respondent, item, None, text) for item, text in zip(texts, answer.comments, strict=False) if text
            )
        elif not seed.is_open or closes_on - today <= dt.timedelta(days=3):
            respondent.reminded_at = _at(closes_on - dt.timedelta(days=3), 7)
        respondents.append(respondent)
    Respondent.objects.bulk_create(respondents)
    Answer.objects.bulk_create(
        Answer(respondent=respondent, item=item, value=value, comment=comment)
        for respondent, item, value, comment in answers
    )
    summary.counts_for(AssessmentRound).created += 1
    summary.counts_for(Respondent).created += len(respondents)
    summary.counts_for(Answer).created += len(answers)
    return round_
