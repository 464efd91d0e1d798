import datetime as _dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from agreements.choices import AnchoringKind, Mandate
from agreements.models import Agreement, Anchoring, Commitment, Party, Representative, Responsibility
from stakeholders.choices import Sector
from stakeholders.models import Organization, Person
from stakeholders.validators import luhn_check_digit, normalize_phone


def org_number_for(n: int) -> str:
    body = f"{212000000 + n:09d}"
    digits = body + str(luhn_check_digit(body))
    return f"{digits[:6]}-{digits[6:]}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.se")
    password = factory.django.Password("test-password-123")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    org_number = factory.Sequence(org_number_for)
    sector = Sector.MUNICIPALITY
    power = 3
    interest = 3
    resource_level = 3


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Anna{n}")
    last_name = factory.Sequence(lambda n: f"Andersson{n}")
    email = factory.Sequence(lambda n: f"person{n}@example.se")
    organization = factory.SubFactory(OrganizationFactory)
    title = "Utvecklingsledare"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Stored as the model stores it (E.164; the database refuses any other form), whatever spelling is given.
        if kwargs.get("phone"):
            kwargs["phone"] = normalize_phone(kwargs["phone"])
        return super()._create(model_class, *args, **kwargs)


# --- agreements ------------------------------------------------------------------------------


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    title = factory.Sequence(lambda n: f"Överenskommelse {n}")
    reference = factory.Sequence(lambda n: f"KS 2026/{n}")
    purpose = "Gemensamt arbete för unga i arbete."
    valid_from = _dt.date(2026, 1, 1)
    valid_to = _dt.date(2028, 12, 31)
    next_review_on = _dt.date(2027, 6, 1)


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    agreement = factory.SubFactory(AgreementFactory)
    organization = factory.SubFactory(OrganizationFactory)


class RepresentativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Representative

    party = factory.SubFactory(PartyFactory)
    agreement = factory.SelfAttribute("party.agreement")
    person = factory.SubFactory(PersonFactory, organization=factory.SelfAttribute("..party.organization"))
    mandate = Mandate.DECIDE
    hours_per_month = 8


class ResponsibilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Responsibility

    agreement = factory.SubFactory(AgreementFactory)
    title = factory.Sequence(lambda n: f"Ansvar {n:05d}")  # sorts in the order made
    responsible = factory.SubFactory(PersonFactory)
    deputy = None


class AnchoringFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Anchoring

    party = factory.SubFactory(PartyFactory)
    agreement = factory.SelfAttribute("party.agreement")
    kind = AnchoringKind.DECISION
    body = "Kommunstyrelsen"
    reference = factory.Sequence(lambda n: f"KS 2026/{n}")
    date = _dt.date(2026, 1, 15)


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    party = factory.SubFactory(PartyFactory)
    agreement = factory.SelfAttribute("party.agreement")
    description = "Avsätta en handläggare på halvtid"
    due_on = _dt.date(2026, 6, 30)


def agreement_with(
    parties: int = 2, responsibilities: int = 2, deputies: bool = True, anchored: bool = True, coordinated: bool = False
):
    """An agreement with parties, one deciding representative each, roles spread over the parties'
    people (with deputies from another party), if anchored, a decision and a sponsor per party, if coordinated,
    the first representative as its coordinator (activation needs one), and a meeting of the parties a week ago."""
    agreement = AgreementFactory()
    party_rows = [PartyFactory(agreement=agreement) for _ in range(parties)]
    reps = [RepresentativeFactory(party=party) for party in party_rows]
    for index in range(responsibilities):
        responsible = reps[index % len(reps)].person
        deputy = reps[(index + 1) % len(reps)].person if deputies and len(reps) > 1 else None
        ResponsibilityFactory(agreement=agreement, responsible=responsible, deputy=deputy)
    if anchored:
        for party, rep in zip(party_rows, reps, strict=True):
            AnchoringFactory(party=party)
            AnchoringFactory(party=party, kind=AnchoringKind.SPONSOR, person=rep.person, date=None)
    if coordinated and reps:
        agreement.coordinator = reps[0].person
        agreement.save(update_fields=["coordinator"])

    # A recent meeting of the parties, so the agreement is in dialogue (dialogue_missing stays quiet).
    from agreements.models import Interaction

    meeting = Interaction.objects.create(
        agreement=agreement, date=_dt.date.today() - _dt.timedelta(days=7), title=f"Styrgrupp {agreement.pk}"
    )
    meeting.participants.set([rep.person for rep in reps])
    return agreement


# --- risks -----------------------------------------------------------------------------------


class RiskFlagFactory(factory.django.DjangoModelFactory):
    """A stored flag on an agreement (as a scan would leave it); pass rule/subject to vary."""

    class Meta:
        model = "risks.RiskFlag"

    rule = "review_overdue"
    severity = "medium"
    subject_type = "agreement"
    agreement = factory.SubFactory(AgreementFactory)
    subject_key = factory.LazyAttribute(lambda o: f"agreement:{o.agreement.pk}")
    details = factory.LazyAttribute(lambda o: {"next_review_on": "2026-01-01"})
    first_seen_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.LazyAttribute(lambda o: o.first_seen_at)


# --- the dialogue ----------------------------------------------------------------------------


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "agreements.Interaction"
        skip_postgeneration_save = True

    kind = "meeting"
    date = _dt.date(2026, 3, 12)
    title = factory.Sequence(lambda n: f"Styrgruppsmöte {n}")

    @factory.post_generation
    def participants(self, create, extracted, **kwargs):
        if create and extracted:
            self.participants.set(extracted)
            self.organizations.add(*{person.organization for person in extracted})

    @factory.post_generation
    def organizations(self, create, extracted, **kwargs):
        if create and extracted:
            self.organizations.add(*extracted)


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "agreements.FollowUp"

    description = factory.Sequence(lambda n: f"Skicka protokollet {n}")
    responsible = factory.SubFactory(PersonFactory)
    due_on = _dt.date(2026, 3, 19)
