"""The risk admin: the flag list and its filters, acknowledging with a note, "Scan now", scans,
deliveries and subscriptions, the start page dashboard, and open risks on the agreement pages."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from agreements.choices import AgreementStatus
from agreements.models import Agreement, Responsibility
from risks import reports, scans, services, tasks
from risks.choices import DeliveryStatus, FlagStatus, ScanStatus, ScanTrigger
from risks.models import ReportDelivery, RiskFlag, RiskReportSubscription, RiskScan
from tests.factories import PersonFactory, RiskFlagFactory, UserFactory, agreement_with

pytestmark = pytest.mark.django_db

FLAGS = reverse("admin:risks_riskflag_changelist")
SCANS = reverse("admin:risks_riskscan_changelist")
SCAN_NOW = reverse("admin:risks_scan_now")
AGREEMENTS = reverse("admin:agreements_agreement_changelist")
INDEX = reverse("admin:index")


@pytest.fixture(autouse=True)
def english(client, settings):
    """The admin in English (a coordinator's choice), so the assertions read the English msgids."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def risky(n=1, **values) -> list[Agreement]:
    """Active agreements whose two roles have no deputies: bus factor 1, missing deputies, overload."""
    agreements = [agreement_with(parties=2, responsibilities=2, deputies=False) for _ in range(n)]
    Agreement.objects.filter(pk__in=[a.pk for a in agreements]).update(status=AgreementStatus.ACTIVE, **values)
    return agreements


def listed(response) -> set[int]:
    return {flag.pk for flag in response.context["cl"].result_list}


def flag_ids(**lookups) -> set[int]:
    return set(RiskFlag.objects.filter(**lookups).values_list("pk", flat=True))


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def section(html: str, element_id: str) -> str:
    """The markup of the dashboard module with this id (modules do not nest)."""
    match = re.search(rf'<div class="module" id="{element_id}">(.*?)</div>', html, re.S)
    assert match, element_id
    return match.group(1)


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


# --- the flag list ---------------------------------------------------------------------------------


def test_flag_list_shows_severity_rule_subject_and_agreement(coordinator_client):
    [agreement] = risky(title="Unga i arbete")
    [unanchored] = risky()
    Agreement.objects.filter(pk=unanchored.pk).update(title="Utan förankring")
    unanchored.parties.first().anchorings.all().delete()
    scans.scan_now()
    busy = PersonFactory()
    overload = RiskFlagFactory(
        rule="person_overload", subject_type="person", person=busy, agreement=None, subject_key=f"person:{busy.pk}"
    )
    response = coordinator_client.get(FLAGS)
    assert response.status_code == 200
    assert listed(response) == flag_ids()
    html = response.content.decode()
    # The badge says the severity in words as well as in colour.
    assert '<span class="risk-severity risk-high">High</span>' in html
    assert '<span class="risk-severity risk-medium">Medium</span>' in html
    assert "Single-person dependency" in html
    agreement.refresh_from_db()
    assert f'<td class="field-subject_link"><a href="{change_url(agreement)}">{agreement}</a>' in html
    assert f'<td class="field-agreement_link"><a href="{change_url(agreement)}">{agreement}</a>' in html
    assert overload.pk in listed(response)
    # Each subject links to its own admin page.
    missing_deputy = RiskFlag.objects.filter(rule="missing_deputy", agreement=agreement).first()
    anchoring = RiskFlag.objects.get(rule="missing_internal_anchoring")
    assert f'href="{change_url(busy)}">{busy}</a>' in html
    assert f'href="{change_url(missing_deputy.responsibility)}">{missing_deputy.responsibility}</a>' in html
    assert f'href="{change_url(anchoring.party)}">{anchoring.party}</a>' in html
    assert 'id="scan-now"' in html


def test_flag_list_filters_narrow(coordinator_client):
    first, second = risky(2)
    scans.scan_now()
    responsible = Responsibility.objects.filter(agreement=first).first().responsible
    organization = first.parties.first().organization
    everything = flag_ids()
    cases = {
        "rule=missing_deputy": flag_ids(rule="missing_deputy"),
        "severity__exact=high": flag_ids(severity="high"),
        f"agreement__id__exact={first.pk}": flag_ids(agreement=first),
        # Only the first agreement has this organisation as a party.
        f"organization={organization.pk}": flag_ids(agreement=first),
        f"person={responsible.pk}": flag_ids(person=responsible) | flag_ids(responsibility__responsible=responsible),
    }
    for query, expected in cases.items():
        response = coordinator_client.get(f"{FLAGS}?{query}")
        assert response.status_code == 200, query
        assert expected, query
        assert expected != everything, query
        assert listed(response) == expected, query
    # The filters name what is selected: the organisation, the person and the agreement.
    html = coordinator_client.get(f"{FLAGS}?person={responsible.pk}&agreement__id__exact={first.pk}").content
    assert str(responsible) in html.decode()
    assert str(first) in html.decode()
    # Only the organisation asked for is offered (a large portfolio has thousands with open risks).
    assert organization.name in coordinator_client.get(f"{FLAGS}?organization={organization.pk}").content.decode()
    assert f"?organization={organization.pk}" not in coordinator_client.get(FLAGS).content.decode()


def test_status_filter_hides_resolved_flags_by_default(coordinator_client, coordinator):
    [kept, closed] = risky(2)
    scans.scan_now()
    seen = RiskFlag.objects.filter(agreement=kept, rule="single_person_dependency").get()
    services.flag_acknowledge(flag=seen, by=coordinator, note="Vi rekryterar en ersättare.")
    Agreement.objects.filter(pk=closed.pk).update(status=AgreementStatus.TERMINATED)
    scans.scan_now()
    resolved = flag_ids(status=FlagStatus.RESOLVED)
    assert resolved == flag_ids(agreement=closed)
    assert listed(coordinator_client.get(FLAGS)) == flag_ids(agreement=kept)
    assert listed(coordinator_client.get(f"{FLAGS}?status=acknowledged")) == {seen.pk}
    assert listed(coordinator_client.get(f"{FLAGS}?status=open")) == flag_ids(agreement=kept) - {seen.pk}
    assert listed(coordinator_client.get(f"{FLAGS}?status=resolved")) == resolved
    assert listed(coordinator_client.get(f"{FLAGS}?status=all")) == flag_ids()


def test_flag_page_is_read_only_and_shows_message_details_and_acknowledgement(coordinator_client, coordinator):
    risky()
    scans.scan_now()
    flag = RiskFlag.objects.get(rule="single_person_dependency")
    services.flag_acknowledge(flag=flag, by=coordinator, note="Ersättare utses i januari.")
    response = coordinator_client.get(change_url(flag))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bus factor 1" in html
    assert "&quot;bus_factor&quot;: 1" in html  # the details, as readable JSON
    assert "Ersättare utses i januari." in html
    assert str(coordinator) in html
    assert 'name="_save"' not in html
    assert coordinator_client.get(reverse("admin:risks_riskflag_add")).status_code == 403
    assert coordinator_client.post(change_url(flag), {"status": "resolved"}).status_code == 403


def test_flag_history_shows_who_acknowledged_it_and_why_and_cannot_revert(coordinator_client, coordinator):
    risky()
    scans.scan_now()
    flag = RiskFlag.objects.get(rule="single_person_dependency")
    services.flag_acknowledge(flag=flag, by=coordinator, note="Ersättare utses i januari.")
    history = reverse("admin:risks_riskflag_history", args=[flag.pk])
    response = coordinator_client.get(history)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ersättare utses i januari." in html
    assert str(coordinator) in html
    [row] = RiskFlag.history.filter(id=flag.pk)
    revert = reverse("admin:risks_riskflag_simple_history", args=[flag.pk, row.history_id])
    assert "Ersättare utses i januari." in coordinator_client.get(revert).content.decode()  # viewing it
    assert coordinator_client.post(revert, {"acknowledgement_note": ""}).status_code == 403  # never restoring it
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACKNOWLEDGED


# --- acknowledging ---------------------------------------------------------------------------------


def test_acknowledge_action_asks_for_a_note_then_records_it(coordinator_client, coordinator):
    risky()
    scans.scan_now()
    flag = RiskFlag.objects.get(rule="single_person_dependency")
    data = {"action": "acknowledge_flags", "_selected_action": [flag.pk]}

    page = coordinator_client.post(FLAGS, data)
    assert page.status_code == 200
    assert page.templates[0].name == "admin/risks/acknowledge.html"
    assert flag.message in page.content.decode()

    blank = coordinator_client.post(FLAGS, {**data, "apply": "1", "note": "  "})
    assert blank.status_code == 200
    assert blank.context["form"].errors["note"] == ["This field is required."]
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    assert flag.acknowledged_by is None

    done = coordinator_client.post(FLAGS, {**data, "apply": "1", "note": "Vi utser en ersättare i januari."})
    assert done.status_code == 302
    assert messages_of(done) == [("success", "1 risk was acknowledged.")]
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACKNOWLEDGED
    assert flag.acknowledged_by == coordinator
    assert flag.acknowledged_at is not None
    assert flag.acknowledgement_note == "Vi utser en ersättare i januari."


def test_acknowledge_reports_refusals_for_resolved_flags(coordinator_client):
    open_flag = RiskFlagFactory()
    resolved = RiskFlagFactory(status=FlagStatus.RESOLVED, resolved_at=timezone.now())
    data = {"action": "acknowledge_flags", "_selected_action": [open_flag.pk, resolved.pk], "apply": "1"}
    response = coordinator_client.post(f"{FLAGS}?status=all", {**data, "note": "Sett."})
    assert messages_of(response) == [
        ("success", "1 risk was acknowledged."),
        ("error", f"Not acknowledged: {resolved}: The risk is already resolved."),
    ]
    resolved.refresh_from_db()
    assert resolved.status == FlagStatus.RESOLVED
    assert resolved.acknowledgement_note == ""


def test_reader_sees_flags_but_cannot_acknowledge_or_scan(client, reader):
    flag = RiskFlagFactory()
    client.force_login(reader)
    response = client.get(FLAGS)
    assert response.status_code == 200
    assert listed(response) == {flag.pk}
    html = response.content.decode()
    assert "acknowledge_flags" not in html
    assert 'id="scan-now"' not in html
    assert client.post(SCAN_NOW).status_code == 403
    assert client.get(SCAN_NOW).status_code == 403
    assert not RiskScan.objects.exists()


# --- "Scan now" --------------------------------------------------------------------------------------


def test_scan_now_runs_a_scan_and_links_to_it(coordinator_client, coordinator):
    risky()
    assert 'id="scan-now"' in coordinator_client.get(SCANS).content.decode()
    response = coordinator_client.post(SCAN_NOW)
    scan = RiskScan.objects.get()
    assert response.status_code == 302
    assert response.url == SCANS
    # Celery runs eagerly in the unit tests, so the scan has finished by the time the view answers.
    assert scan.status == ScanStatus.SUCCEEDED
    assert scan.trigger == ScanTrigger.ADMIN
    assert scan.requested_by == coordinator
    [(level, text)] = messages_of(response)
    assert level == "success"
    assert f'<a href="{change_url(scan)}">Risk scan {scan.pk}</a> (Succeeded)' in text
    assert scan.new_count == RiskFlag.objects.count() > 0


def test_scan_now_goes_back_to_a_local_page_only(coordinator_client):
    assert coordinator_client.post(SCAN_NOW, {"next": f"{FLAGS}?rule=missing_deputy"}).url == (
        f"{FLAGS}?rule=missing_deputy"
    )
    assert coordinator_client.post(SCAN_NOW, {"next": "https://evil.example/"}).url == SCANS
    assert coordinator_client.get(SCAN_NOW).status_code == 405


def test_scan_now_with_the_broker_down_says_so_and_records_a_failed_scan(coordinator_client, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.risk_scan_run, "apply_async", broker_down)
    response = coordinator_client.post(SCAN_NOW)
    scan = RiskScan.objects.get()
    assert scan.status == ScanStatus.FAILED
    assert scan.finished_at is not None
    assert "broker" in scan.error
    [(level, text)] = messages_of(response)
    assert level == "error"
    assert "the task broker is unavailable. It is recorded as failed" in text
    assert f'(<a href="{change_url(scan)}">Risk scan {scan.pk}</a>).' in text
    assert not RiskFlag.objects.exists()


def test_scan_list_shows_counts_and_errors(coordinator_client):
    risky()
    scan = scans.scan_now()
    failed = RiskScan.objects.create(trigger=ScanTrigger.ADMIN, status=ScanStatus.FAILED, error="Broker down")
    response = coordinator_client.get(SCANS)
    assert response.status_code == 200
    assert {s.pk for s in response.context["cl"].result_list} == {scan.pk, failed.pk}
    html = response.content.decode()
    assert "Broker down" in html
    assert f'<td class="field-new_count">{scan.new_count}</td>' in html
    assert coordinator_client.get(change_url(scan)).status_code == 200


# --- the dashboard -----------------------------------------------------------------------------------


def test_dashboard_shows_risks_expiring_overdue_and_busy_people(coordinator_client, settings):
    settings.AGREEMENT_EXPIRING_WITHIN_DAYS = 30
    today = timezone.localdate()
    busy = PersonFactory(first_name="Berit", last_name="Bärare")
    [expiring] = risky(title="Snart slut", valid_to=today + timedelta(days=10))
    [overdue] = risky(title="Sen uppföljning", next_review_on=today - timedelta(days=5))
    risky(title="Långt kvar", valid_to=today + timedelta(days=300), next_review_on=today + timedelta(days=30))
    Responsibility.objects.filter(agreement__in=[expiring, overdue]).update(responsible=busy)
    scans.scan_now()
    html = coordinator_client.get(INDEX).content.decode()
    assert 'id="risk-dashboard"' in html

    by_severity = section(html, "risks-by-severity")
    for severity, label in (("high", "High"), ("medium", "Medium"), ("low", "Low")):
        count = RiskFlag.objects.filter(severity=severity).count()
        link = f'<a class="risk-severity risk-{severity}" href="{FLAGS}?severity__exact={severity}">{label}</a>'
        assert (
            f'<tr data-severity="{severity}"><th scope="row">{link}</th><td class="number">{count}</td>' in by_severity
        )
    by_rule = section(html, "risks-by-rule")
    for rule in ("single_person_dependency", "missing_deputy", "review_overdue", "agreement_expiring"):
        count = RiskFlag.objects.filter(rule=rule).count()
        assert re.search(
            rf'data-rule="{rule}"><th scope="row"><a href="{FLAGS}\?rule={rule}">.*?<td class="number">{count}</td>',
            by_rule,
        )
    assert "Review overdue" in by_rule
    assert "Single-person dependency" in by_rule

    expiring_html = section(html, "agreements-expiring")
    assert "Active, ending within 30 days or already ended" in expiring_html
    expiring.refresh_from_db()
    assert f'href="{change_url(expiring)}">{expiring}</a>' in expiring_html
    assert "Långt kvar" not in expiring_html
    listed = reverse("admin:agreements_agreement_changelist") + "?expiring=soon"
    assert f'href="{listed}">All expiring agreements</a>' in expiring_html
    flagged = set(RiskFlag.objects.filter(rule="agreement_expiring").values_list("agreement__title", flat=True))
    assert flagged == {"Snart slut"}
    page = coordinator_client.get(listed)
    assert {agreement.title for agreement in page.context["cl"].result_list} == flagged
    overdue_html = section(html, "reviews-overdue")
    overdue.refresh_from_db()
    assert f'href="{change_url(overdue)}">{overdue}</a>' in overdue_html
    assert "Långt kvar" not in overdue_html
    people = section(html, "people-most-roles")
    first_row = re.search(r"<tbody>\s*<tr data-person=\"(\d+)\">(.*?)</tr>", people, re.S)
    assert first_row.group(1) == str(busy.pk)
    assert f'href="{change_url(busy)}">Berit Bärare</a>' in first_row.group(2)
    assert '<td class="number">4</td>' in first_row.group(2)  # responsible for all four roles

    scan = RiskScan.objects.get()
    assert change_url(scan) in html
    counts = re.search(r'<table id="last-scan-counts">(.*?)</table>', html, re.S).group(1)
    assert f'<th scope="row">New flags</th><td class="number">{scan.new_count}</td>' in counts
    assert '<th scope="row">Agreements scanned</th><td class="number">3</td>' in counts
    assert 'id="dashboard-scan-now"' in html


def test_dashboard_without_any_risk_or_scan(coordinator_client):
    html = coordinator_client.get(INDEX).content.decode()
    assert "Open risks: 0" in html
    assert "No scan has run yet." in html


def test_dashboard_is_hidden_without_the_permission(client, no_perm_user):
    no_perm_user.is_staff = True
    no_perm_user.save()
    client.force_login(no_perm_user)
    response = client.get(INDEX)
    assert response.status_code == 200
    assert 'id="risk-dashboard"' not in response.content.decode()


def test_dashboard_offers_no_scan_button_to_readers(client, reader):
    client.force_login(reader)
    html = client.get(INDEX).content.decode()
    assert 'id="risk-dashboard"' in html
    assert 'id="dashboard-scan-now"' not in html


# --- query counts ------------------------------------------------------------------------------------


def portfolio_of(n: int) -> None:
    """n risky agreements (some expiring, some overdue), scanned twice, one flag acknowledged."""
    today = timezone.localdate()
    risky(n, valid_to=today + timedelta(days=20), next_review_on=today - timedelta(days=3))
    scans.scan_now()
    scans.scan_now()
    RiskFlag.objects.filter(pk=RiskFlag.objects.first().pk).update(
        status=FlagStatus.ACKNOWLEDGED, acknowledged_at=timezone.now(), acknowledgement_note="Sett."
    )


@pytest.mark.parametrize("n", [1, 8])
def test_dashboard_queries_do_not_grow(coordinator_client, n, django_assert_num_queries):
    portfolio_of(n)
    coordinator_client.get(INDEX)  # warm the content-type cache
    # session, user; user permissions, group permissions; the dashboard (selectors.dashboard): open
    # flags by severity and rule, expiring agreements, overdue reviews, the last scan, the busiest
    # people as it counted them (one); the workspace (ops.workspace.start_page, a login without a person):
    # the person, six sources of what is due, the open rounds; the "Recent actions" of the admin log
    with django_assert_num_queries(18):
        response = coordinator_client.get(INDEX)
    assert len(response.context["risk_dashboard"]["expiring"]) == n


@pytest.mark.parametrize("n", [1, 6])
def test_flag_history_queries_do_not_grow(coordinator_client, coordinator, n, django_assert_num_queries):
    flag = RiskFlagFactory()
    for index in range(n):
        services.flag_acknowledge(flag=flag, by=coordinator, note=f"Anteckning {index}.")
    url = reverse("admin:risks_riskflag_history", args=[flag.pk])
    coordinator_client.get(url)  # warm the content-type cache
    # session, user; the flag with its subjects (selectors.flag_list()); user permissions, group permissions;
    # COUNT and page of the versions with their users; the API-token notes of the page's versions
    with django_assert_num_queries(8):
        response = coordinator_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Anteckning {n - 1}." in html
    assert html.count(str(flag)) >= n  # every version named after the flag


@pytest.mark.parametrize("n", [1, 8])
def test_flag_list_queries_do_not_grow(coordinator_client, n, django_assert_num_queries):
    portfolio_of(n)
    organization_id = Agreement.objects.first().parties.first().organization_id
    url = f"{FLAGS}?organization={organization_id}&status=all"
    coordinator_client.get(url)  # warm the content-type cache
    # session, user; user permissions, group permissions; the organisation filter's choice (the one asked
    # for); COUNT of the filtered page (no second COUNT of all); the page's flags with agreement, party and
    # its organisation, person, responsibility and acknowledging user (selectors.flag_list())
    with django_assert_num_queries(7):
        response = coordinator_client.get(url)
    assert listed(response)


@pytest.mark.parametrize("n", [1, 8])
def test_agreement_list_queries_do_not_grow_with_open_risks(coordinator_client, n, django_assert_num_queries):
    portfolio_of(n)
    coordinator_client.get(AGREEMENTS)  # warm the content-type cache
    # session, user, user permissions, group permissions; the recorded count of the page (the party and
    # coordinator filters read nothing unless one is chosen; no second COUNT); agreements with coordinator,
    # renewal, party count and open risk count; the figures from plain rows: parties, representatives,
    # anchorings, responsibilities, people and organisations by id, the sponsors' organisation lines; the
    # date hierarchy's range and its days
    with django_assert_num_queries(15):
        response = coordinator_client.get(AGREEMENTS)
    assert [agreement.open_risk_count > 0 for agreement in response.context["cl"].result_list] == [True] * n


# --- the agreement pages -----------------------------------------------------------------------------


def test_agreement_list_and_page_show_open_risks(coordinator_client):
    [agreement] = risky(title="Unga i arbete")
    [calm] = risky(title="Lugnt")
    Agreement.objects.filter(pk=calm.pk).update(status=AgreementStatus.DRAFT)
    scans.scan_now()
    count = RiskFlag.objects.filter(agreement=agreement).count()
    html = coordinator_client.get(AGREEMENTS).content.decode()
    assert (
        f'<td class="field-open_risks_display"><a href="{FLAGS}?agreement__id__exact={agreement.pk}">{count}</a>'
        in html
    )
    assert '<td class="field-open_risks_display">0</td>' in html

    page = coordinator_client.get(change_url(agreement))
    content = page.content.decode()
    assert f"{count} open risks" in content
    flags = page.context["open_risks"]
    assert [flag.severity for flag in flags][0] == "high"  # most severe first
    assert '<span class="risk-severity risk-high">High</span>' in content
    assert flags[0].message in content
    assert f"{FLAGS}?agreement__id__exact={agreement.pk}" in content
    assert (
        "The latest scan found no risk in this agreement." in coordinator_client.get(change_url(calm)).content.decode()
    )


# --- deliveries and subscriptions --------------------------------------------------------------------


@pytest.fixture
def subscriber():
    user = UserFactory(username="chef", email="chef@example.se", is_staff=True)
    RiskReportSubscription.objects.create(user=user, language="en")
    return user


def test_deliveries_list_and_retry(coordinator_client, subscriber):
    risky()
    scans.scan_now()
    reports.reports_claim()
    delivery = ReportDelivery.objects.get()
    ReportDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=1, last_error="SMTPServerDisconnected: Connection unexpectedly closed"
    )
    url = reverse("admin:risks_reportdelivery_changelist")
    response = coordinator_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "chef@example.se" in html
    assert "SMTPServerDisconnected" in html
    assert listed(coordinator_client.get(f"{url}?status__exact=failed")) == {delivery.pk}
    assert listed(coordinator_client.get(f"{url}?status__exact=sent")) == set()

    retried = coordinator_client.post(url, {"action": "retry_deliveries", "_selected_action": [delivery.pk]})
    assert messages_of(retried) == [("success", "1 report was queued again.")]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    assert [message.to for message in mail.outbox] == [["chef@example.se"]]

    again = coordinator_client.post(url, {"action": "retry_deliveries", "_selected_action": [delivery.pk]})
    assert ("info", "1 report was already sent or skipped and is left alone.") in messages_of(again)
    assert len(mail.outbox) == 1


def test_reader_cannot_retry_deliveries(client, reader, subscriber):
    client.force_login(reader)
    html = client.get(reverse("admin:risks_reportdelivery_changelist")).content.decode()
    assert "retry_deliveries" not in html


def test_coordinator_adds_and_removes_a_subscription(coordinator_client):
    staff = UserFactory(username="chef2", is_staff=True)
    UserFactory(username="utomstaende", is_staff=False)
    add = reverse("admin:risks_riskreportsubscription_add")
    form = coordinator_client.get(add)
    assert form.status_code == 200
    offered = {label for _value, label in form.context["adminform"].form.fields["user"].choices if _value}
    assert "chef2" in offered
    assert "utomstaende" not in offered

    response = coordinator_client.post(add, {"user": staff.pk, "language": "en", "is_active": "on"})
    assert response.status_code == 302
    subscription = RiskReportSubscription.objects.get(user=staff)
    assert subscription.language == "en"
    assert subscription.is_active

    delete = reverse("admin:risks_riskreportsubscription_delete", args=[subscription.pk])
    assert coordinator_client.post(delete, {"post": "yes"}).status_code == 302
    assert not RiskReportSubscription.objects.exists()


# --- Swedish -----------------------------------------------------------------------------------------


def test_the_risk_pages_speak_swedish(coordinator_client, settings, monkeypatch):
    coordinator_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    risky()
    scans.scan_now()
    flags = coordinator_client.get(FLAGS).content.decode()
    assert "Sök igenom nu" in flags
    assert "Kvittera valda risker (med en anteckning)" in flags
    assert "Risker i portföljen" in coordinator_client.get(INDEX).content.decode()

    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused.")

    monkeypatch.setattr(tasks.risk_scan_run, "apply_async", broker_down)
    [(level, text)] = messages_of(coordinator_client.post(SCAN_NOW))
    assert level == "error"
    assert "meddelandekön är inte tillgänglig" in text
    assert '<a href="' in text


def _add_scan_rows(start: int, n: int, coordinator) -> None:
    now = timezone.now()
    for i in range(start, start + n):
        scans.scan_create(trigger="api", requested_by=coordinator)
        user = UserFactory(username=f"prenumerant{i}", email=f"p{i}@example.se", is_staff=True)
        RiskReportSubscription.objects.create(user=user)
        ReportDelivery.objects.create(
            report="portfolio", period_start=now.date(), recipient_key=f"user:{user.pk}", email=user.email,
            user=user, since=now, until=now,
        )  # fmt: skip


@pytest.mark.parametrize(
    "url",
    [
        "/admin/risks/riskscan/",
        "/admin/risks/reportdelivery/",
        "/admin/risks/riskreportsubscription/",
    ],
)
def test_scan_delivery_and_subscription_lists_do_not_grow(coordinator_client, coordinator, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert coordinator_client.get(url).status_code == 200
        return len(captured)

    _add_scan_rows(0, 1, coordinator)
    coordinator_client.get(url)  # warm the content-type cache
    few = queries()
    _add_scan_rows(1, 12, coordinator)
    # session, user, permissions, the COUNTs, the page with its users (list_select_related /
    # selectors), the filters' choices: none of them per row.
    assert queries() == few


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/assessments/riskflag/?severity__exact=high", "/admin/risks/riskflag/?severity__exact=high"),
        ("/admin/assessments/riskflag/12/change/", "/admin/risks/riskflag/12/change/"),
        ("/admin/assessments/riskscan/", "/admin/risks/riskscan/"),
        ("/admin/assessments/reportdelivery/3/change/", "/admin/risks/reportdelivery/3/change/"),
        ("/admin/assessments/riskreportsubscription/add/", "/admin/risks/riskreportsubscription/add/"),
    ],
)
def test_bookmarks_of_the_risk_pages_from_before_the_risks_app_redirect(client, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new


@pytest.mark.django_db
def test_the_assessment_pages_keep_their_addresses(coordinator_client):
    assert coordinator_client.get("/admin/assessments/assessmentround/").status_code == 200
    assert coordinator_client.get("/admin/assessments/instrument/").status_code == 200
