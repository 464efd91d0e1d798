import factory
from django.contrib.auth import get_user_model

from stakeholders.choices import Sector
from stakeholders.models import Organization, Person
from stakeholders.validators import luhn_check_digit


def org_number_for(n: int) -> str:
    body = f"{212000000 + n:09d}"
    digits = body + str(luhn_check_digit(body))
    return f"{digits[:6]}-{digits[6:]}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.se")
    password = factory.PostGenerationMethodCall("set_password", "test-password-123")


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
