"""Every write through the API (token or session) and the admin lands in the change history with its user."""

import pytest

from agreements.models import Agreement
from integrations.services import api_token_create
from risks.choices import FlagStatus
from risks.models import RiskFlag
from stakeholders.models import Organization
from tests.admin_forms import post_data_from
from tests.factories import AgreementFactory, OrganizationFactory, RiskFlagFactory

pytestmark = pytest.mark.django_db


def latest(model, pk):
    return model.history.filter(id=pk).order_by("-history_date", "-history_id").first()


def with_token(api_client, user, *, read_only=False):
    _token, key = api_token_create(user=user, name="test", read_only=read_only, by=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    return api_client


def test_an_api_write_with_a_token_records_the_tokens_account(api_client, coordinator):
    client = with_token(api_client, coordinator)
    response = client.post("/api/v1/organizations/", {"name": "Regionen", "sector": "region"})
    assert response.status_code == 201
    created = latest(Organization, response.json()["id"])
    assert created.history_type == "+"
    assert created.history_user == coordinator
    response = client.patch(f"/api/v1/organizations/{response.json()['id']}/", {"power": 5})
    assert response.status_code == 200
    changed = latest(Organization, response.json()["id"])
    assert changed.history_type == "~"
    assert changed.power == 5
    assert changed.history_user == coordinator


def test_an_api_write_in_a_session_records_the_logged_in_user(api_client, coordinator):
    agreement = AgreementFactory()
    api_client.force_login(coordinator)
    response = api_client.patch(f"/api/v1/agreements/{agreement.pk}/", {"purpose": "Nytt syfte."}, format="json")
    assert response.status_code == 200, response.json()
    row = latest(Agreement, agreement.pk)
    assert row.purpose == "Nytt syfte."
    assert row.history_user == coordinator


def test_acknowledging_a_risk_through_the_api_is_in_its_history(api_client, coordinator):
    flag = RiskFlagFactory()
    response = with_token(api_client, coordinator).post(f"/api/v1/risks/{flag.pk}/acknowledge/", {"note": "Sett."})
    assert response.status_code == 200
    row = latest(RiskFlag, flag.pk)
    assert row.status == FlagStatus.ACKNOWLEDGED
    assert row.acknowledgement_note == "Sett."
    assert row.history_user == coordinator
    assert not hasattr(row, "details")  # the scan's findings are not copied into the history


def test_acknowledging_a_risk_in_the_admin_is_in_its_history(coordinator_client, coordinator):
    flag = RiskFlagFactory()
    data = {"action": "acknowledge_flags", "_selected_action": [flag.pk], "apply": "1", "note": "Åtgärdas."}
    assert coordinator_client.post("/admin/risks/riskflag/", data).status_code == 302
    row = latest(RiskFlag, flag.pk)
    assert row.status == FlagStatus.ACKNOWLEDGED
    assert row.history_user == coordinator


def test_an_admin_change_records_the_coordinator(coordinator_client, coordinator):
    organization = OrganizationFactory()
    url = f"/admin/stakeholders/organization/{organization.pk}/change/"
    data = post_data_from(coordinator_client.get(url), interest="5")
    response = coordinator_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    row = latest(Organization, organization.pk)
    assert row.interest == 5
    assert row.history_user == coordinator


def test_assessment_setup_is_in_the_history(coordinator_client, coordinator):
    from assessments.models import Instrument, InstrumentSection

    add = "/admin/assessments/instrument/add/"
    data = post_data_from(
        coordinator_client.get(add),
        code="dialog",
        name_sv="Dialogenkät",
        scale_min="1",
        scale_max="4",
        **{"sections-0-position": "1", "sections-0-title_sv": "Dialog"},
    )
    response = coordinator_client.post(add, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    instrument = Instrument.objects.get(code="dialog")
    assert latest(Instrument, instrument.pk).history_user == coordinator
    assert latest(InstrumentSection, instrument.sections.get().pk).history_user == coordinator
