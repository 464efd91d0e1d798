"""The risk admin: flag list and filters, acknowledging, "Scan now", the dashboard, the agreement list."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError

from agreements.choices import AgreementStatus
from agreements.models import Agreement, Responsibility
from assessments import services, tasks
from assessments.choices import FlagStatus, ScanStatus
from assessments.models import ReportDelivery, RiskFlag, RiskReportSubscription, RiskScan
from tests.factories import PersonFactory, UserFactory, agreement_with

pytestmark = pytest.mark.django_db

FLAGS = "/admin/assessments/riskflag/"
SCAN_NOW = "/admin/assessments/riskflag/scan-now/"


def risky(n=1, **values):
    agreements = [agreement_with(parties=2, responsibilities=2, deputies=False) for _ in range(n)]
    Agreement.objects.filter(pk__in=[a.pk for a in agreements]).update(status=AgreementStatus.ACTIVE, **values)
    return agreements


@pytest.fixture
def en_client(coordinator_client):
    coordinator_client.cookies["django_language"] = "en"
    coordinator_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return coordinator_client


def listed(response) -> set[int]:
    return {flag.pk for flag in response.context["cl"].result_list}


def test_flag_list_shows_unresolved_flags_with_severity_and_links(en_client):
    [agreement] = risky(title="Unga i arbete")
    services.scan_now()
    response = en_client.get(FLAGS)
    assert response.status_code == 200
    assert listed(response) == set(RiskFlag.objects.values_list("pk", flat=True))
    html = response.content.decode()
    assert "risk-severity risk-high" in html
    assert "High" in html
    assert f"/admin/agreements/agreement/{agreement.pk}/change/" in html
    assert 'id="scan-now"' in html


def test_flag_list_filters_narrow(en_client):
    first, second = risky(2)
    services.scan_now()
    responsible = Responsibility.objects.filter(agreement=first).first().responsible
    organization = first.parties.first().organization
    cases = {
        "rule=missing_deputy": set(RiskFlag.objects.filter(rule="missing_deputy").values_list("pk", flat=True)),
        "severity__exact=high": set(RiskFlag.objects.filter(severity="high").values_list("pk", flat=True)),
        f"agreement__id__exact={first.pk}": set(RiskFlag.objects.filter(agreement=first).values_list("pk", flat=True)),
        f"organization={organization.pk}": set(RiskFlag.objects.filter(agreement=first).values_list("pk", flat=True)),
        f"person={responsible.pk}": set(RiskFlag.objects.filter(person=responsible).values_list("pk", flat=True))
        | set(RiskFlag.objects.filter(responsibility__responsible=responsible).values_list("pk", flat=True)),
    }
    for query, expected in cases.items():
        response = en_client.get(f"{FLAGS}?{query}")
        assert response.status_code == 200, query
        assert listed(response) == expected, query
        assert expected, query
        assert expected != set(RiskFlag.objects.values_list("pk", flat=True)), query


def test_resolved_flags_hidden_by_default_and_shown_on_request(en_client):
    [agreement] = risky()
    services.scan_now()
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.TERMINATED)
    services.scan_now()
    assert listed(en_client.get(FLAGS)) == set()
    assert listed(en_client.get(f"{FLAGS}?status=resolved")) == set(RiskFlag.objects.values_list("pk", flat=True))


def test_flag_page_shows_the_message(en_client):
    risky()
    services.scan_now()
    flag = RiskFlag.objects.get(rule="single_person_dependency")
    response = en_client.get(f"{FLAGS}{flag.pk}/change/")
    assert response.status_code == 200
    assert "Bus factor 1" in response.content.decode()


def test_acknowledge_action_asks_for_a_note_then_records_it(en_client, coordinator):
    risky()
    services.scan_now()
    flag = RiskFlag.objects.get(rule="single_person_dependency")
    data = {"action": "acknowledge_flags", "_selected_action": [flag.pk]}
    page = en_client.post(FLAGS, data)
    assert page.status_code == 200
    assert "Acknowledge risks" in page.content.decode()
    blank = en_client.post(FLAGS, {**data, "apply": "1", "note": "  "})
    assert blank.status_code == 200
    assert "This field is required." in blank.content.decode()
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    done = en_client.post(FLAGS, {**data, "apply": "1", "note": "Vi utser en ersättare i januari."}, follow=True)
    assert "1 risk was acknowledged." in done.content.decode()
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACKNOWLEDGED
    assert flag.acknowledged_by == coordinator
    assert flag.acknowledgement_note == "Vi utser en ersättare i januari."


def test_reader_can_see_flags_but_not_acknowledge_or_scan(client, reader):
    risky()
    services.scan_now()
    client.force_login(reader)
    response = client.get(FLAGS)
    assert response.status_code == 200
    assert "acknowledge_flags" not in response.content.decode()
    assert 'id="scan-now"' not in response.content.decode()
    assert client.post(SCAN_NOW).status_code == 403


def test_scan_now_runs_a_scan(en_client, coordinator):
    risky()
    response = en_client.post(SCAN_NOW, follow=True)
    scan = RiskScan.objects.get()
    assert scan.status == ScanStatus.SUCCEEDED
    assert scan.requested_by == coordinator
    assert "The scan was started" in response.content.decode()
    assert RiskFlag.objects.exists()
    assert en_client.get(SCAN_NOW).status_code == 405


def test_scan_now_with_the_broker_down_says_so_and_records_it(en_client, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.risk_scan_run, "apply_async", down)
    response = en_client.post(SCAN_NOW, follow=True)
    assert response.status_code == 200
    assert "task broker is unavailable" in response.content.decode()
    scan = RiskScan.objects.get()
    assert scan.status == ScanStatus.FAILED
    assert "broker" in scan.error


def test_dashboard_shows_risks_expiring_overdue_and_busy_people(en_client):
    busy = PersonFactory(first_name="Berit", last_name="Bärare")
    [expiring] = risky(title="Snart slut", valid_to=timezone.localdate() + timedelta(days=10))
    [overdue] = risky(title="Sen uppföljning", next_review_on=timezone.localdate() - timedelta(days=5))
    Responsibility.objects.filter(agreement=expiring).update(responsible=busy)
    services.scan_now()
    html = en_client.get("/admin/").content.decode()
    assert 'id="risk-dashboard"' in html
    for text in ("Snart slut", "Sen uppföljning", "Berit Bärare", "Single-person dependency", "Review overdue"):
        assert text in html
    high = RiskFlag.objects.filter(severity="high").count()
    assert f'?severity__exact=high">High</a></th>\n              <td class="number">{high}</td>' in html


def test_dashboard_is_hidden_without_the_permission(client, no_perm_user):
    no_perm_user.is_staff = True
    no_perm_user.save()
    client.force_login(no_perm_user)
    assert 'id="risk-dashboard"' not in client.get("/admin/").content.decode()


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/admin/", FLAGS, "/admin/agreements/agreement/", "/admin/assessments/riskscan/"])
def test_pages_use_the_same_number_of_queries_for_few_and_many_rows(en_client, url):
    risky(1)
    services.scan_now()
    few = count_queries(en_client, url)
    risky(6)
    services.scan_now()
    services.scan_now()
    many = count_queries(en_client, url)
    # Dashboard: session, user, flags by severity and rule, expiring, overdue, busiest people, last
    # scan (+ the app list's permissions). Lists: session, user, count(s), the page with its relations,
    # filter choices: all independent of the number of rows.
    assert few == many


def test_agreement_list_and_page_show_open_risks(en_client):
    [agreement] = risky()
    services.scan_now()
    count = RiskFlag.objects.filter(agreement=agreement).count()
    html = en_client.get("/admin/agreements/agreement/").content.decode()
    assert f'{FLAGS}?agreement__id__exact={agreement.pk}">{count}</a>' in html
    page = en_client.get(f"/admin/agreements/agreement/{agreement.pk}/change/").content.decode()
    assert f"{count} open risks" in page
    assert "Bus factor 1" in page


def test_deliveries_and_subscriptions_admin(en_client):
    now = timezone.now()
    ReportDelivery.objects.create(
        report="portfolio",
        period_start=now.date(),
        recipient_key="user:1",
        email="chef@example.se",
        since=now,
        until=now,
    )
    assert "chef@example.se" in en_client.get("/admin/assessments/reportdelivery/").content.decode()
    user = UserFactory(username="chef2", is_staff=True)
    response = en_client.post(
        "/admin/assessments/riskreportsubscription/add/", {"user": user.pk, "language": "en", "is_active": "on"}
    )
    assert response.status_code == 302
    assert RiskReportSubscription.objects.get(user=user).language == "en"
