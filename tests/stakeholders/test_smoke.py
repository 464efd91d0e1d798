import pytest

from tests.factories import OrganizationFactory, PersonFactory


@pytest.mark.django_db
def test_factories_make_valid_rows():
    person = PersonFactory()
    person.full_clean()
    person.organization.full_clean()
    assert OrganizationFactory().org_number.count("-") == 1
