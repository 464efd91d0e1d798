"""Seeds the collaboration as a whole (issue 17) into the demo: salience (legitimacy and urgency), starting
conditions on two agreements and a closed Levels of Collaboration round that reveals an asymmetric pair.

Declared in ``data/collaboration.toml`` (its header describes the fields). Safe to run again: values that already
match are left alone, and an agreement that has a Levels of Collaboration round gets no second one.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agreements.choices import PITFALL_QUESTIONS
from agreements.models import Agreement, Party, StartingConditions
from agreements.starting_conditions import SCALAR_FIELDS, starting_conditions_of, starting_conditions_update
from assessments.choices import RoundStatus
from assessments.instruments import LEVELS_OF_COLLABORATION
from assessments.models import AssessmentRound, Instrument, PairwiseAnswer, Respondent
from assessments.pairwise import own_party
from assessments.tokens import new_nonce, token_digest, token_for
from ops.demo.datafiles import DemoDataError, read, relative_date, tables
from ops.demo.register import SeedSummary
from stakeholders.models import Organization, Person
from stakeholders.services import organization_update

DATA_FILE = "collaboration.toml"


def _organization(name: str) -> Organization:
    parent, _sep, child = name.rpartition(" / ")
    found = Organization.objects.filter(name=child, **({"parent__name": parent} if parent else {}))
    organization = found.first()
    if organization is None:
        raise DemoDataError(f"{DATA_FILE}: no organisation {name!r}; load the demo register first")
    return organization


def _agreement(reference: str) -> Agreement:
    agreement = Agreement.objects.filter(reference=reference).first()
    if agreement is None:
        raise DemoDataError(f"{DATA_FILE}: no agreement {reference!r}; load the demo agreements first")
    return agreement


@transaction.atomic
def seed_demo_collaboration(*, today: dt.date | None = None) -> SeedSummary:
    document = read(DATA_FILE)
    today = today or timezone.localdate()
    summary = SeedSummary()
    for table in tables(document, "salience", DATA_FILE):
        organization = _organization(table["name"])
        wanted = {"legitimacy": int(table["legitimacy"]), "urgency": int(table["urgency"])}
        counts = summary.counts_for(Organization)
        if all(getattr(organization, key) == value for key, value in wanted.items()):
            counts.unchanged += 1
        else:
            organization_update(instance=organization, **wanted)
            counts.updated += 1
    for table in tables(document, "starting_conditions", DATA_FILE):
        _seed_starting_conditions(table, summary)
    for table in tables(document, "loc_round", DATA_FILE):
        _seed_loc_round(table, today, summary)
    return summary


def _seed_starting_conditions(table: dict, summary: SeedSummary) -> None:
    agreement = _agreement(table["reference"])
    values = {field: str(table.get(field, "")) for field in SCALAR_FIELDS}
    pitfalls = []
    for code, (answer, note) in table.get("pitfalls", {}).items():
        if code not in PITFALL_QUESTIONS:
            raise DemoDataError(f"{DATA_FILE}: {table['reference']}: unknown pitfall question {code!r}")
        pitfalls.append({"question": code, "answer": answer, "note": note})
    parties = []
    for name, (incentives, constraints) in table.get("parties", {}).items():
        party = Party.objects.filter(agreement=agreement, organization=_organization(name)).first()
        if party is None:
            raise DemoDataError(f"{DATA_FILE}: {table['reference']}: {name!r} is not a party")
        parties.append({"party": party.pk, "incentives": incentives, "constraints": constraints})
    current = starting_conditions_of(agreement)
    same = (
        current.conditions.pk is not None
        and all(getattr(current.conditions, field) == value for field, value in values.items())
        and all(
            (getattr(current.conditions, f"pitfall_{row['question']}"), getattr(current.conditions,
             f"pitfall_{row['question']}_note")) == (row["answer"], row["note"])
            for row in pitfalls
        )
        and all(
            (row.incentives, row.constraints) == next(
                ((p["incentives"], p["constraints"]) for p in parties if p["party"] == row.party.pk),
                (row.incentives, row.constraints),
            )
            for row in current.parties
        )
    )
    counts = summary.counts_for(StartingConditions)
    if same:
        counts.unchanged += 1
        return
    created = current.conditions.pk is None
    starting_conditions_update(agreement=agreement, values=values, pitfalls=pitfalls, parties=parties)
    if created:
        counts.created += 1
    else:
        counts.updated += 1


def _seed_loc_round(table: dict, today: dt.date, summary: SeedSummary) -> None:
    agreement = _agreement(table["reference"])
    instrument = Instrument.objects.get(code=LEVELS_OF_COLLABORATION, version=1)
    counts = summary.counts_for(AssessmentRound)
    if AssessmentRound.objects.filter(agreement=agreement, instrument__code=LEVELS_OF_COLLABORATION).exists():
        counts.unchanged += 1
        return
    opens_on = relative_date(table["opens"]).on(today)
    closes_on = opens_on + dt.timedelta(days=int(table["days_open"]))
    if closes_on >= today:
        raise DemoDataError(f"{DATA_FILE}: {table['reference']}: the demo round must have closed")
    moment = timezone.make_aware(dt.datetime.combine(opens_on, dt.time(7)))
    round_ = AssessmentRound(
        agreement=agreement,
        instrument=instrument,
        opens_on=opens_on,
        closes_on=closes_on,
        status=RoundStatus.CLOSED,
        opened_at=moment,
        closed_at=moment + dt.timedelta(days=int(table["days_open"]) + 1),
    )
    round_.full_clean()
    round_.save()
    counts.created += 1
    parties = {party.organization.name: party for party in Party.objects.filter(agreement=agreement).select_related(
        "organization")}

    for index, rating in enumerate(table["ratings"]):
        person = Person.objects.filter(email=rating["email"]).first()
        if person is None:
            raise DemoDataError(f"{DATA_FILE}: no person {rating['email']!r}")
        nonce = new_nonce()
        respondent = Respondent.objects.create(
            round=round_,
            person=person,
            nonce=nonce,
            token_digest=token_digest(token_for(nonce)),
            language=person.language,
            invited_at=moment,
            responded_at=moment + dt.timedelta(days=1 + index),
            updated_at=moment + dt.timedelta(days=1 + index),
        )
        mine = own_party(respondent, list(parties.values()))
        for name, value in rating.items():
            if name == "email":
                continue
            if name not in parties:
                raise DemoDataError(f"{DATA_FILE}: {table['reference']}: {name!r} is not a party")
            answer = PairwiseAnswer(respondent=respondent, from_party=mine, to_party=parties[name], value=int(value))
            try:
                answer.full_clean()
            except ValidationError as exc:
                raise DemoDataError(f"{DATA_FILE}: {table['reference']}: {exc.messages}") from exc
            answer.save()
        summary.counts_for(Respondent).created += 1
