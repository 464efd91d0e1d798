"""The recorded row counts (samverkan_project.rowcounts): always what COUNT(*) says, read instead of counting a
whole table by every unfiltered list, and not used where a list is filtered."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agreements.models import Interaction
from risks.choices import UNRESOLVED
from risks.models import RiskFlag
from risks.selectors import dashboard
from samverkan_project import rowcounts
from stakeholders.models import Organization, Person
from tests.factories import OrganizationFactory, PersonFactory, RiskFlagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql():
    # CI and the suite run on PostgreSQL; the embedded SQLite has no triggers and counts.
    assert connection.vendor == "postgresql", "the recorded counts are PostgreSQL's"


def recorded(model) -> int | None:
    return rowcounts.recorded_count(model._meta.db_table)


def test_every_write_keeps_the_recorded_count_exact():
    start = Person.objects.count()
    assert recorded(Person) == start
    people = PersonFactory.create_batch(3)
    assert recorded(Person) == Person.objects.count() == start + 3
    Person.objects.bulk_create([Person(first_name="Bo", last_name=f"Ek {n}", organization=people[0].organization)
                                for n in range(5)])  # fmt: skip
    assert recorded(Person) == Person.objects.count() == start + 8
    people[0].delete()
    Person.objects.filter(last_name__startswith="Ek ").delete()
    assert recorded(Person) == Person.objects.count() == start + 2
    # A cascade: the organisation's people go with it (PROTECT aside, a fresh one with its own people).
    organization = OrganizationFactory()
    PersonFactory.create_batch(2, organization=organization)
    organizations = Organization.objects.count()
    assert recorded(Organization) == organizations


def test_compacting_keeps_the_counts_and_folds_the_deltas():
    PersonFactory.create_batch(2)
    PersonFactory()
    before = {table: rowcounts.recorded_count(table) for table in ("stakeholders_person", "stakeholders_organization")}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {rowcounts.TABLE} WHERE table_name = 'stakeholders_person'")
        assert cursor.fetchone()[0] > 1
    assert rowcounts.compact() > 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT table_name, count(*) FROM {rowcounts.TABLE} GROUP BY table_name HAVING count(*) > 1")
        assert cursor.fetchall() == []
    assert {table: rowcounts.recorded_count(table) for table in before} == before
    assert before["stakeholders_person"] == Person.objects.count()


def test_a_truncated_table_counts_zero():
    with connection.cursor() as cursor:
        cursor.execute('TRUNCATE "agreements_interaction" CASCADE')
    assert recorded(Interaction) == 0 == Interaction.objects.count()


def test_an_unfiltered_list_reads_the_recorded_count_and_a_filtered_one_counts():
    PersonFactory.create_batch(3, last_name="Lind")
    PersonFactory()
    with CaptureQueriesContext(connection) as captured:
        whole = rowcounts.exact_count(Person.objects.select_related("organization").order_by("last_name"))
        filtered = rowcounts.exact_count(Person.objects.filter(last_name="Lind"))
    assert whole == Person.objects.count()
    assert filtered == 3
    first, second = (query["sql"] for query in captured.captured_queries)
    assert rowcounts.TABLE in first
    assert "COUNT(*)" not in first.upper()
    assert "COUNT(*)" in second.upper()
    assert rowcounts.TABLE not in second


def test_a_table_without_the_triggers_is_counted():
    PersonFactory.create_batch(2)
    with connection.cursor() as cursor:  # what the migration does backwards (in this test's transaction)
        cursor.execute(rowcounts._uninstall("stakeholders_person"))
    assert recorded(Person) is None
    with CaptureQueriesContext(connection) as captured:
        assert rowcounts.exact_count(Person.objects.all()) == Person.objects.count()
    assert "COUNT(*)" in captured.captured_queries[-1]["sql"].upper()


def test_the_api_and_the_admin_lists_show_the_exact_total_without_counting_the_table(coordinator_api, admin_client):
    PersonFactory.create_batch(4)
    with CaptureQueriesContext(connection) as captured:
        response = coordinator_api.get("/api/v1/persons/?page_size=2")
    assert response.status_code == 200
    assert response.json()["count"] == Person.objects.count()
    assert not [
        q["sql"] for q in captured.captured_queries if 'COUNT(*) AS "__count" FROM "stakeholders_person"' in q["sql"]
    ]

    filtered = coordinator_api.get(f"/api/v1/persons/?organization_id={Person.objects.first().organization_id}")
    assert filtered.json()["count"] == Person.objects.filter(organization=Person.objects.first().organization).count()

    with CaptureQueriesContext(connection) as captured:
        page = admin_client.get("/admin/stakeholders/person/")
    assert page.status_code == 200
    assert not [
        q["sql"] for q in captured.captured_queries if 'COUNT(*) AS "__count" FROM "stakeholders_person"' in q["sql"]
    ]


def test_every_counted_table_records_its_count():
    PersonFactory.create_batch(2)
    with connection.cursor() as cursor:
        for table in sorted(rowcounts.COUNTED_TABLES):
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            assert rowcounts.recorded_count(table) == cursor.fetchone()[0], table


def flag_groups() -> dict:
    counts = {}
    for status, severity, rule in RiskFlag.objects.values_list("status", "severity", "rule"):
        counts[(status, severity, rule)] = counts.get((status, severity, rule), 0) + 1
    return counts


def test_the_risk_flags_are_counted_by_status_severity_and_rule_through_every_change():
    flags = RiskFlagFactory.create_batch(3) + RiskFlagFactory.create_batch(2, rule="missing_deputy", severity="high")
    assert rowcounts.recorded_groups("assessments_riskflag") == flag_groups()
    now = timezone.now()
    RiskFlag.objects.filter(pk=flags[0].pk).update(status="acknowledged", acknowledged_at=now)
    RiskFlag.objects.filter(pk__in=[flags[1].pk, flags[3].pk]).update(status="resolved", resolved_at=now)
    RiskFlag.objects.filter(pk=flags[4].pk).update(severity="low")
    flags[2].delete()
    groups = rowcounts.recorded_groups("assessments_riskflag")
    assert groups == flag_groups()
    assert groups[("open", "low", "missing_deputy")] == 1
    assert rowcounts.recorded_count("assessments_riskflag", status=list(UNRESOLVED)) == 2

    # The admin list's default (unresolved flags) and the start page read these counts, and agree with COUNT(*).
    unresolved = RiskFlag.objects.filter(status__in=UNRESOLVED)
    with CaptureQueriesContext(connection) as captured:
        assert rowcounts.exact_count(unresolved) == unresolved.count() == 2
    assert rowcounts.TABLE in captured.captured_queries[0]["sql"]
    by_rule = {row["rule"]: row["count"] for row in dashboard()["rules"]}
    assert by_rule == {"review_overdue": 1, "missing_deputy": 1}
    # Filtered on anything else, the list counts.
    with CaptureQueriesContext(connection) as captured:
        assert rowcounts.exact_count(RiskFlag.objects.filter(status__in=UNRESOLVED, rule="missing_deputy")) == 1
    assert rowcounts.TABLE not in captured.captured_queries[0]["sql"]
