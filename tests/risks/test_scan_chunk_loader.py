"""A chunk of a split scan reads only its own agreements' rows, with the same queries whatever the size of the
portfolio, and finds what the whole-portfolio scan finds."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement
from ops import bench
from risks import engine, facts, scans
from risks.choices import ScanStatus
from risks.models import RiskFlag, RiskScan

pytestmark = pytest.mark.django_db

AGREEMENT_TABLES = (
    "agreements_representative",
    "agreements_anchoring",
    "agreements_party",
    "agreements_responsibility",
)


def ids_named(sql: str) -> set[int]:
    """The agreement ids an ``agreement_id IN (...)`` of the query names."""
    found = set()
    for listed in re.findall(r'"agreement_id" IN \(([^)]*)\)', sql):
        found |= {int(value) for value in listed.split(",")}
    return found


def test_a_chunk_reads_only_its_own_agreements(today):
    bench.grow_to(30, seed=5, today=today)
    ids = list(Agreement.objects.filter(status__in=facts.SCANNED_STATUSES).order_by("id").values_list("id", flat=True))
    low, high = ids[5], ids[14]
    in_chunk = {pk for pk in ids if low <= pk <= high}
    ctx = facts.scan_context(today)
    with CaptureQueriesContext(connection) as captured:
        loaded = facts.agreement_facts(ctx, (low, high))
    assert {agreement.id for agreement in loaded} == in_chunk
    reads = [query["sql"] for query in captured.captured_queries]
    # the agreements, four tables of their rows, one query per loader and a second for the dialogue's
    # commitments and follow-ups and for the sector rule's starting conditions
    assert len(reads) == 4 + 1 + len(engine.loaders()) + 2
    failures = []
    for sql in reads:
        if sql.startswith('SELECT "stakeholders_person"') and "stakeholders_employment" in sql:
            continue  # the people who moved: a fact about people, like the departed in the scan context
        if any(f'FROM "{table}"' in sql for table in AGREEMENT_TABLES):
            # By the chunk's ids (or, for a loader, their range) alone: no join with the agreement table, no id
            # outside the chunk.
            named = ids_named(sql)
            in_range = not named and f">= {low}" in sql and f"<= {high}" in sql
            if 'JOIN "agreements_agreement"' in sql or (named != in_chunk and not in_range):
                failures.append(sql)
        elif 'FROM "agreements_agreement"' in sql:
            if f">= {low}" not in sql or f"<= {high}" not in sql:
                failures.append(sql)
        elif f">= {low}" not in sql or f"<= {high}" not in sql:  # the loaders (assessment rounds): the range
            failures.append(sql)
    assert not failures, "queries that name more than the chunk:\n" + "\n\n".join(failures)


def open_flags() -> dict:
    return {
        (rule, key): details
        for rule, key, details in RiskFlag.objects.filter(status="open").values_list("rule", "subject_key", "details")
    }


def test_chunks_cost_the_same_queries_at_two_sizes_and_find_what_a_whole_scan_finds(today, settings):
    counts = []
    for size in (12, 36):
        bench.grow_to(size, seed=5, today=today)
        whole_scan = scans.scan_now()
        whole = open_flags()
        RiskFlag.objects.all().delete()
        ranges = facts.scan_chunks(6)
        scan = RiskScan.objects.create(status=ScanStatus.RUNNING, chunks_total=len(ranges), trigger="command")
        per_chunk = []
        for index, (low, high) in enumerate(ranges):
            with CaptureQueriesContext(connection) as captured:
                scans.scan_chunk(scan_id=scan.pk, index=index, id_range=(low, high))
            per_chunk.append(len(captured.captured_queries))
        scan.refresh_from_db()
        assert scan.status == ScanStatus.SUCCEEDED
        assert open_flags() == whole
        assert scan.busiest == whole_scan.busiest
        counts.append(set(per_chunk[:-1]))  # the last chunk also runs the portfolio rules
    assert counts[0] == counts[1], counts
    assert len(counts[0]) == 1, counts


def test_the_portfolio_rules_read_only_the_people_they_can_name(today, settings):
    """In a split scan the portfolio facts hold the overloaded people and the busiest, each with every role,
    and so give the same flags and start-page list as the whole snapshot."""
    bench.grow_to(40, seed=7, today=today)
    settings.RISK_OVERLOAD_AGREEMENTS = 3
    ctx = facts.scan_context(today)
    snapshot = engine.portfolio_facts(facts.agreement_facts(ctx))
    read = facts.portfolio_facts(ctx, busiest=3)
    assert snapshot.complete
    assert not read.complete

    agreements_of = {}
    for person, agreement in snapshot.responsible_in:
        agreements_of.setdefault(person, set()).add(agreement)
    overloaded = {person for person, held in agreements_of.items() if len(held) >= 3}
    top = {row["person"] for row in engine.busiest_people(snapshot, limit=3)}
    assert overloaded, "the generated portfolio has somebody responsible in three agreements"
    assert len(agreements_of) > len(overloaded | top), "some people are left out"
    named = overloaded | top
    assert {person for person, _agreement in read.responsible_in} == named
    assert sorted(read.responsible_in) == sorted(pair for pair in snapshot.responsible_in if pair[0] in named)
    assert sorted(read.deputy_in) == sorted(pair for pair in snapshot.deputy_in if pair[0] in named)
    assert engine.busiest_people(read, limit=3) == engine.busiest_people(snapshot, limit=3)
    overload = engine.get_rule("person_overload").checks[engine.PORTFOLIO_SCOPE]
    assert list(overload(read, ctx)) == list(overload(snapshot, ctx))


def test_the_answers_grouping_gets_its_memory_and_the_same_rows(settings):
    from django.core.exceptions import ImproperlyConfigured

    from agreements.models import Party

    bench.grow_to(6, seed=2)
    queryset = Party.objects.order_by("id").values_list("agreement_id", "id")
    settings.RISK_SCAN_WORK_MEM = "32MB"
    with CaptureQueriesContext(connection) as captured:
        assert facts.grouped_rows(queryset) == facts.rows(queryset)
    assert len(captured.captured_queries) == 2  # the setting goes with the read
    assert "SET LOCAL work_mem = '32MB'" in captured.captured_queries[0]["sql"]
    settings.RISK_SCAN_WORK_MEM = "64MB; DROP TABLE x"
    with pytest.raises(ImproperlyConfigured, match="RISK_SCAN_WORK_MEM"):
        facts.grouped_rows(queryset)
