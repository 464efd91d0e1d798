"""The admin pieces every app shares (samverkan_project.admin_tools)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from agreements.models import Agreement
from assessments.admin.rounds import RoundAgreementFilter
from assessments.models import AssessmentRound
from samverkan_project.admin_tools import IdChoiceField, out_of_range, selected_id
from tests.factories import AgreementFactory


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("0", None),
        ("-3", None),
        ("7.9", None),
        ("", None),
        (None, None),
        ("x", None),
        ("9" * 19, None),
        ("²", None),
        ("٣", None),
    ],
)
def test_selected_id_takes_only_ids_a_column_can_hold(value, expected):
    assert selected_id(value) == expected


def test_out_of_range():
    assert out_of_range("9" * 19)
    assert out_of_range("0")
    assert not out_of_range("42")
    assert not out_of_range("abc")  # not a number at all: the form's own validation says so
    assert not out_of_range("²")


def changelist_filter(value: str | None):
    params = {} if value is None else {"agreement__id__exact": value}
    request = RequestFactory().get("/", params)
    lists = {key: [item] for key, item in params.items()}
    return RoundAgreementFilter(request, lists, AssessmentRound, admin.site._registry[AssessmentRound])


@pytest.mark.django_db
def test_the_linked_object_filter_offers_only_the_object_asked_for_and_filters_by_it():
    wanted, other = AgreementFactory(), AgreementFactory()
    linked = changelist_filter(str(wanted.pk))
    assert linked.lookup_choices == [(str(wanted.pk), str(wanted))]
    where = str(linked.queryset(None, AssessmentRound.objects.all()).query).split("WHERE", 1)[1]
    assert f"agreement_id\" = {wanted.pk}" in where
    assert str(other.pk) not in where


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["9" * 30, "-1", "abc", "", "²"])
def test_the_linked_object_filter_ignores_odd_ids(value):
    linked = changelist_filter(value)
    assert linked.lookup_choices == []
    rounds = AssessmentRound.objects.all()
    assert linked.queryset(None, rounds) is rounds


@pytest.mark.django_db
def test_an_id_field_refuses_an_id_beyond_the_column():
    field = IdChoiceField(Agreement.objects.all())
    with pytest.raises(Exception, match="valid choice|giltigt"):
        field.clean("9" * 30)
