"""Pages that cost the same at any portfolio size: each list's default ordering is read from an index (no sort
of the whole table), every API list and admin list costs the same queries at two sizes, and the agreements
list built from plain rows answers exactly what the nested serializers answer."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory

from agreements import selectors
from agreements.api.rows import agreement_values, represent
from agreements.api.serializers import AgreementSerializer
from agreements.models import Agreement, Commitment, Party
from ops import bench
from risks.scans import scan_now

pytestmark = pytest.mark.django_db

# (url, the table whose page the url reads)
LISTS = (
    ("/api/v1/agreements/", "agreements_agreement"),
    ("/api/v1/parties/", "agreements_party"),
    ("/api/v1/representatives/", "agreements_representative"),
    ("/api/v1/responsibilities/", "agreements_responsibility"),
    ("/api/v1/anchorings/", "agreements_anchoring"),
    ("/api/v1/commitments/", "agreements_commitment"),
    ("/api/v1/organizations/", "stakeholders_organization"),
    ("/api/v1/persons/", "stakeholders_person"),
    ("/api/v1/risks/", "assessments_riskflag"),
    ("/api/v1/risk-scans/", "assessments_riskscan"),
    ("/api/v1/assessment-rounds/", "assessments_assessmentround"),
    ("/admin/agreements/agreement/", "agreements_agreement"),
    ("/admin/stakeholders/organization/", "stakeholders_organization"),
    ("/admin/stakeholders/person/", "stakeholders_person"),
    ("/admin/risks/riskflag/", "assessments_riskflag"),
)
# Every API list and admin list page, by the queries one request costs (whatever the portfolio's size).
QUERIES = {
    "/api/v1/agreements/": 11,  # the page, its count, five tables of rows, the names of people and organisations
    "/api/v1/parties/": 5,
    "/api/v1/representatives/": 4,
    "/api/v1/responsibilities/": 4,
    "/api/v1/anchorings/": 4,
    "/api/v1/commitments/": 4,
    "/api/v1/organizations/": 4,
    "/api/v1/persons/": 4,
    "/api/v1/risks/": 4,
    "/api/v1/risk-scans/": 4,
    "/api/v1/instruments/": 7,
    "/api/v1/assessment-rounds/": 4,
    "/admin/agreements/agreement/": 13,
    "/admin/stakeholders/organization/": 4,
    "/admin/stakeholders/person/": 4,
    "/admin/risks/riskflag/": 4,
    "/admin/risks/riskscan/": 5,
}


def grow(size: int, today) -> None:
    bench.grow_to(size, seed=3, today=today)
    party = Party.objects.order_by("id").first()
    Commitment.objects.get_or_create(party=party, agreement_id=party.agreement_id, description=f"Commitment {size}")
    scan_now()


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("scale", "scale@example.org", "pw-not-used-1")
    client.force_login(user)
    return client


def page_query(captured, table: str) -> str:
    quoted = f'FROM "{table}"'
    # The first ordered read of the table: the page (an admin list short of a page has no LIMIT).
    pages = [
        q["sql"]
        for q in captured
        if quoted in q["sql"] and "ORDER BY" in q["sql"] and not q["sql"].startswith("SELECT COUNT(")
    ]
    assert pages, f"no page query of {table} among: " + "\n".join(q["sql"][:200] for q in captured)
    return pages[0]


def plan_of(sql: str) -> str:
    with connection.cursor() as cursor:
        # Without sequential scans, bitmap scans and sorts the planner still sorts if it must: only when no
        # index gives the ordering. An incremental sort (within groups of a leading indexed key) is fine.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_sort")
    return plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN of PostgreSQL")
def test_every_default_ordering_is_read_from_an_index(superuser_client, today):
    grow(12, today)
    failures = []
    for url, table in LISTS:
        with CaptureQueriesContext(connection) as captured:
            assert superuser_client.get(url).status_code == 200, url
        plan = plan_of(page_query(captured.captured_queries, table))
        sorts = [line for line in plan.splitlines() if "Sort" in line and "Incremental Sort" not in line]
        sorts = [line for line in sorts if "Sort Key" not in line and "Presorted Key" not in line]
        if sorts:
            failures.append(f"{url} sorts its whole table:\n{plan}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN of PostgreSQL")
def test_risk_list_by_severity_uses_the_rank_index(superuser_client, today):
    grow(6, today)
    for url in ("/api/v1/risks/?ordering=-severity", "/admin/risks/riskflag/?o=1"):
        with CaptureQueriesContext(connection) as captured:
            assert superuser_client.get(url).status_code == 200
        plan = plan_of(page_query(captured.captured_queries, "assessments_riskflag"))
        if url.startswith("/api/"):
            assert "riskflag_severity_order" in plan, plan


def test_every_list_costs_the_same_queries_at_two_sizes(superuser_client, today):
    counts = {}
    for size in (4, 16):
        grow(size, today)
        for url in QUERIES:
            superuser_client.get(url)  # caches (content types, permissions) warm
            with CaptureQueriesContext(connection) as captured:
                response = superuser_client.get(url)
            assert response.status_code == 200, url
            counts.setdefault(url, []).append(len(captured.captured_queries))
    assert counts == {url: [expected, expected] for url, expected in QUERIES.items()}


def test_agreements_from_plain_rows_are_what_the_serializer_answers(today):
    grow(14, today)
    agreement = Agreement.objects.order_by("id").first()
    Agreement.objects.filter(pk=agreement.pk).update(document="agreements/2026/signed.pdf")
    request = APIRequestFactory().get("/api/v1/agreements/")
    context = {"request": request, "organization_tree": selectors.OrganizationTree()}
    ordered = ("-valid_from", "title", "id")
    expected = AgreementSerializer(selectors.agreement_list().order_by(*ordered), many=True, context=context).data
    actual = represent(list(agreement_values(selectors.agreement_rows().order_by(*ordered))), context)
    assert json.loads(json.dumps(actual, default=str)) == json.loads(json.dumps(expected, default=str))
    assert [list(row) for row in actual] == [list(row) for row in expected]  # the keys in the documented order
    assert any(row["document"] for row in actual)
    assert any(party["anchorings"] for row in actual for party in row["parties"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN of PostgreSQL")
def test_the_start_page_reads_notice_deadlines_from_their_index_and_flag_counts_from_the_recorded_ones(
    superuser_client, today
):
    grow(12, today)
    with CaptureQueriesContext(connection) as captured:
        assert superuser_client.get("/admin/").status_code == 200
    deadlines = [q["sql"] for q in captured.captured_queries if "make_interval" in q["sql"]]
    assert deadlines, "the start page lists the notice deadlines"
    for sql in deadlines:
        assert "agreement_notice_deadline" in plan_of(sql), sql
    flag_reads = [q["sql"] for q in captured.captured_queries if 'FROM "assessments_riskflag"' in q["sql"]]
    assert not [sql for sql in flag_reads if "GROUP BY" in sql], "the flags are counted by the recorded groups"


def test_the_admin_list_figures_from_plain_rows_are_those_from_the_prefetched_agreements(today):
    from agreements import admin_helpers

    grow(30, today)
    agreements = list(selectors.agreement_list().order_by("id"))
    tree = selectors.sponsor_tree(party for agreement in agreements for party in agreement.parties.all())
    rows = admin_helpers.page_overviews([agreement.pk for agreement in agreements])

    def summary(overview):
        return (
            overview.bus_factor,
            [(person.pk, str(person), person.is_active) for person in overview.critical_people],
            [
                (s.party.pk, str(s.party), s.party.get_role_display(), s.anchoring, s.has_decider)
                for s in overview.parties
            ],
            (overview.mandate.parties, overview.mandate.with_decide, [party.pk for party in overview.mandate.missing]),
        )

    for agreement in agreements:
        assert summary(rows[agreement.pk]) == summary(admin_helpers.agreement_overview(agreement, tree)), agreement.pk
    assert {overview.anchoring_complete_count for overview in rows.values()} != {0}
    assert any(overview.critical_people for overview in rows.values())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the stepping read is PostgreSQL's")
def test_the_years_of_the_date_hierarchy_are_read_a_year_at_a_time_and_are_djangos(today):
    from django.db.models import QuerySet

    grow(20, today)
    draft = Agreement.objects.filter(status="draft").order_by("id").values("pk")[:1]
    assert Agreement.objects.filter(pk__in=draft).update(valid_from=None, valid_to=None) == 1
    querysets = (
        Agreement.objects.all(),
        Agreement.objects.filter(status="active"),
        selectors.agreement_rows().filter(title__icontains="zz-none"),
        selectors.agreement_rows().select_related("coordinator").filter(parties__organization__sector="region"),
    )
    for queryset in querysets:
        for order in ("ASC", "DESC"):
            with CaptureQueriesContext(connection) as captured:
                years = queryset.dates("valid_from", "year", order)
            assert years == list(QuerySet.dates(queryset, "valid_from", "year", order))
            assert "DISTINCT" not in captured.captured_queries[0]["sql"]
    assert len(Agreement.objects.dates("valid_from", "year")) > 1
    months = Agreement.objects.dates("valid_from", "month")  # months and days: Django's own query
    assert list(months) == list(QuerySet.dates(Agreement.objects.all(), "valid_from", "month"))
