"""The admin's History pages: a reader may look at earlier versions, and only someone who may change the
object may revert it (django-simple-history's version form saves on POST without asking)."""

import pytest
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from agreements.models import Agreement, Party, Responsibility
from risks.models import RiskFlag
from stakeholders.models import Organization, Person
from tests.factories import AgreementFactory, OrganizationFactory, PersonFactory, RiskFlagFactory, agreement_with

pytestmark = pytest.mark.django_db


def versions(model, pk):
    return list(model.history.filter(id=pk).order_by("history_date", "history_id"))


def objects():
    agreement = agreement_with(parties=1, responsibilities=1)
    return [
        OrganizationFactory(),
        PersonFactory(),
        agreement,
        agreement.parties.first(),
        agreement.responsibilities.first(),
        RiskFlagFactory(),
    ]


def changed(obj):
    """Change the object once, so it has an earlier version to go back to."""
    model = type(obj)
    field = {
        Organization: "name",
        Person: "first_name",
        Agreement: "title",
        Party: "contribution",
        Responsibility: "title",
        RiskFlag: "acknowledgement_note",
    }[model]
    setattr(obj, field, "Ändrad")
    obj.save()
    return field


def test_a_reader_sees_earlier_versions_but_cannot_revert_them(client, reader):
    client.force_login(reader)
    for obj in objects():
        model = type(obj)
        field = changed(obj)
        first = versions(model, obj.pk)[0]
        opts = model._meta
        history = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
        assert client.get(history).status_code == 200
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=[obj.pk, first.history_id])
        page = client.get(url)
        assert page.status_code == 200, model
        # The whole earlier version, as the page's form would send it.
        data = {
            name: "" if value is None else value
            for name, value in page.context["adminform"].form.initial.items()
            if not isinstance(value, FieldFile)
        }
        assert client.post(url, data).status_code == 403, model
        obj.refresh_from_db()
        assert getattr(obj, field) == "Ändrad", model


def test_a_coordinator_reverts_an_agreement_to_an_earlier_version(coordinator_client):
    agreement = AgreementFactory(title="Före")
    agreement.title = "Efter"
    agreement.save()
    first = versions(Agreement, agreement.pk)[0]
    url = reverse("admin:agreements_agreement_simple_history", args=[agreement.pk, first.history_id])
    page = coordinator_client.get(url)
    assert page.status_code == 200
    assert 'value="Före"' in page.content.decode()
