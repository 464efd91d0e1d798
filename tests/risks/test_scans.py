"""The scan against the database: reconcile, query counts, chunks, scheduled claims, acknowledging."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from agreements.choices import AgreementStatus
from agreements.models import Agreement, Responsibility
from risks import engine, scans, selectors, services
from risks.choices import FlagStatus, ScanStatus, ScanTrigger
from risks.models import RiskFlag, RiskScan
from tests.factories import RiskFlagFactory, agreement_with


def activate(*agreements):
    Agreement.objects.filter(pk__in=[a.pk for a in agreements]).update(status=AgreementStatus.ACTIVE)


def risky(n=1):
    """Active agreements whose roles have no deputies: missing_deputy per role, bus factor 1."""
    agreements = [agreement_with(parties=2, responsibilities=2, deputies=False) for _ in range(n)]
    activate(*agreements)
    return agreements


def unresolved(rule=None):
    flags = RiskFlag.objects.exclude(status=FlagStatus.RESOLVED)
    return flags.filter(rule=rule) if rule else flags


def finding(agreement_id, rule="review_overdue", **details):
    return engine.Finding(rule, "agreement", agreement_id=agreement_id, details=details)


# --- reconcile ---


@pytest.mark.django_db
def test_reconcile_opens_touches_resolves_and_reopens():
    [agreement] = risky()
    scope = Q(agreement_id=agreement.pk)
    t1 = timezone.now()
    counts = scans.flags_reconcile(findings=[finding(agreement.pk, next_review_on="2026-01-01")], scope=scope, now=t1)
    assert (counts.new, counts.persisting, counts.resolved) == (1, 0, 0)
    flag = RiskFlag.objects.get()
    assert (flag.status, flag.first_seen_at, flag.last_seen_at, flag.severity) == ("open", t1, t1, "medium")

    t2 = t1 + timedelta(hours=1)
    counts = scans.flags_reconcile(findings=[finding(agreement.pk, next_review_on="2026-02-01")], scope=scope, now=t2)
    assert (counts.new, counts.persisting, counts.resolved) == (0, 1, 0)
    flag.refresh_from_db()
    assert (flag.first_seen_at, flag.last_seen_at) == (t1, t2)
    assert flag.details == {"next_review_on": "2026-02-01"}  # a changed finding updates its details

    t3 = t2 + timedelta(hours=1)
    counts = scans.flags_reconcile(findings=[], scope=scope, now=t3)
    assert (counts.new, counts.persisting, counts.resolved) == (0, 0, 1)
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_at) == ("resolved", t3)

    counts = scans.flags_reconcile(findings=[finding(agreement.pk)], scope=scope, now=t3 + timedelta(hours=1))
    assert counts.new == 1
    assert RiskFlag.objects.count() == 2
    assert unresolved().count() == 1


@pytest.mark.django_db
def test_reconcile_leaves_flags_outside_its_scope_alone():
    first, second = risky(2)
    other = RiskFlagFactory(agreement=second)
    scans.flags_reconcile(findings=[], scope=Q(agreement_id=first.pk))
    other.refresh_from_db()
    assert other.status == FlagStatus.OPEN


@pytest.mark.django_db
def test_an_acknowledged_flag_persists_as_acknowledged(coordinator):
    [agreement] = risky()
    scans.scan_now()
    flag = unresolved("single_person_dependency").get()
    services.flag_acknowledge(flag=flag, by=coordinator, note="Vi rekryterar en ersättare.")
    scans.scan_now()
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACKNOWLEDGED
    assert flag.acknowledged_by == coordinator


@pytest.mark.django_db
def test_the_database_refuses_a_second_unresolved_flag_for_the_same_finding():
    flag = RiskFlagFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskFlagFactory(agreement=flag.agreement, subject_key=flag.subject_key)
    RiskFlag.objects.filter(pk=flag.pk).update(status=FlagStatus.RESOLVED, resolved_at=timezone.now())
    RiskFlagFactory(agreement=flag.agreement, subject_key=flag.subject_key)  # a resolved one does not block


@pytest.mark.django_db
def test_a_new_flag_gets_every_column_of_its_finding():
    [agreement] = risky()
    role = agreement.responsibilities.first()
    now = timezone.now()
    found = engine.Finding(
        "missing_deputy",
        "responsibility",
        agreement_id=agreement.pk,
        responsibility_id=role.pk,
        person_id=role.responsible_id,
        details={"note": 'å "x"', "ids": [3, 1]},
    )
    scans.flags_reconcile(findings=[found, finding(agreement.pk)], scope=Q(), now=now)
    flag = RiskFlag.objects.get(rule="missing_deputy")
    assert (flag.severity, flag.status, flag.subject_type, flag.subject_key) == (
        "medium",
        "open",
        "responsibility",
        f"responsibility:{role.pk}",
    )
    assert (flag.agreement_id, flag.party_id, flag.person_id, flag.responsibility_id) == (
        agreement.pk,
        None,
        role.responsible_id,
        role.pk,
    )
    assert flag.details == {"note": 'å "x"', "ids": [3, 1]}
    assert (flag.first_seen_at, flag.last_seen_at, flag.resolved_at, flag.acknowledged_at) == (now, now, None, None)
    assert (flag.acknowledged_by, flag.acknowledgement_note) == (None, "")
    assert RiskFlag.objects.get(rule="review_overdue").details == {}


@pytest.mark.django_db
def test_a_scan_pauses_the_cyclic_collector_only_while_it_runs(monkeypatch):
    import gc

    risky()
    seen = []
    check = engine.check_agreements
    monkeypatch.setattr(engine, "check_agreements", lambda *args: seen.append(gc.isenabled()) or check(*args))
    assert gc.isenabled()
    scans.scan_now()
    assert seen == [False]
    assert gc.isenabled()
    monkeypatch.setattr(engine, "check_agreements", lambda *args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        scans.scan_now()
    assert gc.isenabled()


# --- whole scans ---


@pytest.mark.django_db
def test_scan_finds_the_risks_of_an_active_agreement_and_records_itself():
    [agreement] = risky()
    scan = scans.scan_now()
    assert scan.status == ScanStatus.SUCCEEDED
    assert scan.trigger == ScanTrigger.COMMAND
    assert scan.agreements_scanned == 1
    assert scan.new_count == unresolved().count() > 0
    assert scan.duration is not None
    rules = set(unresolved().values_list("rule", flat=True))
    assert {"missing_deputy", "single_person_dependency"} <= rules
    assert set(unresolved().values_list("agreement_id", flat=True)) == {agreement.pk}


@pytest.mark.django_db
def test_fixing_the_risk_resolves_its_flags_on_the_next_scan():
    [agreement] = risky()
    scans.scan_now()
    people = list(Responsibility.objects.filter(agreement=agreement).values_list("responsible_id", flat=True))
    for role, deputy in zip(Responsibility.objects.filter(agreement=agreement), reversed(people), strict=True):
        Responsibility.objects.filter(pk=role.pk).update(deputy_id=deputy)
    scan = scans.scan_now()
    assert scan.resolved_count >= 2
    assert not unresolved("missing_deputy").exists()
    assert RiskFlag.objects.filter(rule="missing_deputy", status="resolved").count() == 2


@pytest.mark.django_db
def test_terminating_an_agreement_resolves_its_flags():
    [agreement] = risky()
    scans.scan_now()
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.TERMINATED)
    scans.scan_now()
    assert not unresolved().exists()


@pytest.mark.django_db
def test_a_scan_twice_changes_nothing():
    risky(2)
    scans.scan_now()
    before = set(RiskFlag.objects.values_list("id", "status", "rule", "subject_key"))
    scan = scans.scan_now()
    assert scan.new_count == 0
    assert scan.resolved_count == 0
    assert scan.persisting_count == len(before)
    assert set(RiskFlag.objects.values_list("id", "status", "rule", "subject_key")) == before


@pytest.mark.django_db
def test_a_failing_scan_is_recorded_and_changes_no_flag(monkeypatch):
    risky()
    scans.scan_now()
    before = list(RiskFlag.objects.order_by("id").values_list("id", "status", "last_seen_at"))

    def broken(*args, **kwargs):
        raise RuntimeError("rule crashed")

    monkeypatch.setattr(scans.engine, "check_portfolio", broken)
    with pytest.raises(RuntimeError):
        scans.scan_now()
    scan = RiskScan.objects.order_by("-id").first()
    assert scan.status == ScanStatus.FAILED
    assert "rule crashed" in scan.error
    assert list(RiskFlag.objects.order_by("id").values_list("id", "status", "last_seen_at")) == before


@pytest.mark.django_db
def test_an_agreement_activated_while_the_facts_are_read_waits_for_the_next_scan(monkeypatch):
    """Each read of a scan sees the database as it is then: an agreement that turns active after the
    agreements were read must not break the scan when its parties and roles turn up in the later reads."""
    [early] = risky()
    late = agreement_with(parties=2, responsibilities=2, deputies=False)
    Agreement.objects.filter(pk=late.pk).update(status=AgreementStatus.EXPIRED)
    read = scans.facts.rows

    def rows_then_activate(queryset):
        found = read(queryset)
        if queryset.model is Agreement:
            Agreement.objects.filter(pk=late.pk).update(status=AgreementStatus.ACTIVE)
        return found

    monkeypatch.setattr(scans.facts, "rows", rows_then_activate)
    scan = scans.scan_now()
    assert scan.status == ScanStatus.SUCCEEDED
    assert scan.agreements_scanned == 1
    assert set(unresolved().values_list("agreement_id", flat=True)) == {early.pk}
    monkeypatch.undo()
    scans.scan_now()
    assert set(unresolved().values_list("agreement_id", flat=True)) == {early.pk, late.pk}


@pytest.mark.django_db
def test_scan_query_count_does_not_grow_with_the_portfolio(django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def scan_queries():
        with CaptureQueriesContext(connection) as captured:
            scans.scan_now()
        return len(captured)

    risky(1)
    small_first = scan_queries()
    small_steady = scan_queries()
    risky(12)
    RiskFlag.objects.all().delete()
    large_first = scan_queries()
    large_steady = scan_queries()
    # scan row, departed people, organisation parents, agreements, representatives, anchorings,
    # parties, responsibilities, the loaders' (assessments 1, dialogue 2, moved people 1, sector conditions 2,
    # levels of collaboration 1), unresolved flags, insert (first scan only), touch, resolve, scan row update;
    # plus the savepoint and its release around the reconcile inside the test transaction.
    assert small_first == large_first <= 21
    assert small_steady == large_steady == small_first - 1


# --- chunks ---


@pytest.mark.django_db
def test_a_chunked_scan_finds_the_same_as_a_whole_scan(settings):
    risky(5)
    scans.scan_now()
    whole = set(unresolved().values_list("rule", "subject_key"))
    RiskFlag.objects.all().delete()
    settings.RISK_SCAN_CHUNK_SIZE = 2
    scan = scans.scan_create(trigger=ScanTrigger.API)
    outcome = scans.scan_run(scan_id=scan.pk)  # Celery runs the group eagerly in unit tests
    assert "3 chunks" in outcome
    scan.refresh_from_db()
    assert scan.status == ScanStatus.SUCCEEDED
    assert scan.chunks_total == scan.chunks_done == 3
    assert scan.agreements_scanned == 5
    assert set(unresolved().values_list("rule", "subject_key")) == whole


@pytest.mark.django_db
def test_a_chunk_delivered_twice_counts_once():
    risky(2)
    scan = scans.scan_create(trigger=ScanTrigger.API, status=ScanStatus.RUNNING)
    RiskScan.objects.filter(pk=scan.pk).update(chunks_total=2)
    scans.scan_chunk(scan_id=scan.pk, index=0, id_range=(1, 2**63 - 1), worker="w1")
    scans.scan_chunk(scan_id=scan.pk, index=0, id_range=(1, 2**63 - 1), worker="w1")
    scan.refresh_from_db()
    assert scan.chunks_done == 1
    assert scan.status == ScanStatus.RUNNING
    scans.scan_chunk(scan_id=scan.pk, index=1, id_range=(1, 0), worker="w2")
    scan.refresh_from_db()
    assert scan.status == ScanStatus.SUCCEEDED
    assert [w["worker"] for w in scan.workers] == ["w1", "w2"]


@pytest.mark.django_db
def test_scan_chunks_cover_every_id_once():
    risky(5)
    ranges = scans.facts.scan_chunks(2)
    assert len(ranges) == 3
    assert ranges[0][0] == 1
    assert ranges[-1][1] == 2**63 - 1
    assert all(ranges[i][1] + 1 == ranges[i + 1][0] for i in range(len(ranges) - 1))


@pytest.mark.django_db
def test_a_queued_scan_runs_once():
    risky()
    scan = scans.scan_create(trigger=ScanTrigger.API)
    scans.scan_run(scan_id=scan.pk)
    assert "already taken" in scans.scan_run(scan_id=scan.pk)


# --- the scheduled scan ---


@pytest.mark.django_db
def test_the_scheduled_scan_runs_once_a_day_and_heals():
    from risks.tasks import risk_scan_scheduled

    risky()
    assert "new" in risk_scan_scheduled()
    assert risk_scan_scheduled() == "tonight's scan is already running or done"
    scan = RiskScan.objects.get(trigger=ScanTrigger.SCHEDULE)
    # A failed night can be run again by the next firing.
    RiskScan.objects.filter(pk=scan.pk).update(status=ScanStatus.FAILED)
    assert "still open" in risk_scan_scheduled()
    assert RiskScan.objects.filter(trigger=ScanTrigger.SCHEDULE).count() == 1


@pytest.mark.django_db
def test_a_lost_scan_is_marked_failed_after_a_while(settings):
    settings.RISK_SCAN_STALE_AFTER_SECONDS = 60
    scan = scans.scan_create(trigger=ScanTrigger.API, status=ScanStatus.RUNNING)
    RiskScan.objects.filter(pk=scan.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert scans.scans_expire_stale() == 1
    scan.refresh_from_db()
    assert scan.status == ScanStatus.FAILED
    assert scan.error


# --- acknowledging ---


@pytest.mark.django_db
def test_acknowledge_needs_a_note_and_an_unresolved_flag(coordinator):
    flag = RiskFlagFactory()
    with pytest.raises(ValidationError) as error:
        services.flag_acknowledge(flag=flag, by=coordinator, note="  ")
    assert "note" in error.value.message_dict
    services.flag_acknowledge(flag=flag, by=coordinator, note="Åtgärdas i december.")
    flag.refresh_from_db()
    assert flag.status == "acknowledged"
    assert flag.acknowledgement_note == "Åtgärdas i december."
    RiskFlag.objects.filter(pk=flag.pk).update(status=FlagStatus.RESOLVED, resolved_at=timezone.now())
    with pytest.raises(ValidationError):
        services.flag_acknowledge(flag=flag, by=coordinator, note="x")


@pytest.mark.django_db
def test_last_seen_follows_the_scans_without_rewriting_open_flags():
    [agreement] = risky()
    first = scans.scan_now()
    flag = unresolved("single_person_dependency").get()
    stored = flag.last_seen_at
    second = scans.scan_now()
    flag.refresh_from_db()
    assert flag.last_seen_at == stored  # not rewritten
    seen = selectors.flag_list().get(pk=flag.pk)
    assert seen.last_seen == second.started_at >= first.started_at
    # Resolved: last seen by the latest successful scan before the one that resolved it.
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.TERMINATED)
    scans.scan_now()
    resolved = selectors.flag_list().get(pk=flag.pk)
    assert resolved.status == FlagStatus.RESOLVED
    assert resolved.last_seen == second.started_at
