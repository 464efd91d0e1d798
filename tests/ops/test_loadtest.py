"""The load test (``manage.py loadtest``, README "Load test"): a short run against the live test server,
and its baseline endpoint's guards. The measured run (gunicorn, 5,000 agreements) is ``make loadtest``."""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from agreements.models import Agreement
from ops import loadtest
from tests.factories import AgreementFactory, CommitmentFactory, RepresentativeFactory, agreement_with

BENCH_URL = "/" + loadtest.BENCH_PATH


def test_a_short_run_against_the_live_server_has_no_errors(live_server, settings):
    settings.LOADTEST_ENDPOINTS = True
    out = io.StringIO()
    call_command(
        "loadtest",
        url=live_server.url,
        clients=6,
        duration=2,
        ratio_duration=1,
        agreements=12,
        respondents=5,
        force=True,
        stdout=out,
    )
    report = out.getvalue()
    assert "Requests: " in report
    assert report.strip().endswith("errors: 0")
    for endpoint in ("agreements list", "agreement detail", "persons list", "risks list", "answer page"):
        assert f"mix    {endpoint}" in report
    assert "ratio  one-query agreements page" in report
    assert "Ratio (agreements list req/s) / (one-query endpoint req/s, the same page): " in report


def test_locust_counts_an_answer_other_than_200_as_an_error(live_server, tmp_path):
    env = {**os.environ, "LOADTEST_TOKEN": "not-a-token", "LOADTEST_DATA": ""}
    stats = loadtest.run_locust(live_server.url, "ListUser", clients=2, seconds=1, folder=tmp_path, env=env)
    listed = stats["agreements list"]
    assert listed.requests > 0
    assert listed.errors == listed.requests  # 401 with an unknown token (then 429: the token limit)
    assert "LocustBadStatusCode(code=4" in listed.error_samples[0]


def test_the_client_speaks_only_to_loopback(tmp_path):
    with pytest.raises(ValueError, match="loopback"):
        loadtest.require_loopback("http://example.org/")
    with pytest.raises(ValueError, match="loopback"):
        loadtest.require_loopback("https://127.0.0.1/")
    assert loadtest.require_loopback("http://127.0.0.1:8123") == ("127.0.0.1", 8123)
    with pytest.raises(ValueError, match="loopback"):
        loadtest.run_locust("http://example.org/", "ListUser", clients=1, seconds=1, folder=tmp_path, env={})


def test_locust_statistics_are_read_per_endpoint(tmp_path):
    prefix = tmp_path / "run"
    header = (
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
        "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,"
        "99.99%,100%"
    )
    Path(f"{prefix}_stats.csv").write_text(
        header + "\n"
        "GET,agreements list,200,2,30,31,5,90,1000,20.0,0.2,30,33,35,36,40,52,60,71,88,90,90\n"
        ",Aggregated,200,2,30,31,5,90,1000,20.0,0.2,30,33,35,36,40,52,60,71,88,90,90\n",
        encoding="utf-8",
    )
    Path(f"{prefix}_failures.csv").write_text(
        "Method,Name,Error,Occurrences\nGET,agreements list,HTTPError('500 Server Error'),2\n", encoding="utf-8"
    )
    stats = loadtest.read_stats(prefix)
    assert list(stats) == ["agreements list"]
    listed = stats["agreements list"]
    assert (listed.requests, listed.errors, listed.p50, listed.p95, listed.p99) == (200, 2, 30, 52, 71)
    assert listed.per_second == pytest.approx(19.8)  # successful answers per second
    assert listed.error_samples == ["2× HTTPError('500 Server Error')"]


def test_no_portfolio_is_generated_outside_a_bench_database(db):
    with pytest.raises(CommandError, match="bench"):
        call_command("loadtest", url="http://127.0.0.1:1", agreements=3, stdout=io.StringIO())
    assert not Agreement.objects.exists()


@pytest.mark.django_db
def test_the_baseline_endpoint_is_a_404_unless_enabled_even_to_anonymous(client, coordinator_api, settings):
    settings.LOADTEST_ENDPOINTS = False
    assert client.get(BENCH_URL).status_code == 404
    assert coordinator_api.get(BENCH_URL).status_code == 404


def _shape(agreement: dict) -> dict:
    """What the list and the one-query page both give of an agreement: the nested rows' ids in their order and
    the names, the figures' inputs and formatting aside."""
    return {
        "id": agreement["id"],
        "title": agreement["title"],
        "coordinator_name": agreement["coordinator_name"],
        "is_review_overdue": agreement["is_review_overdue"],
        "parties": [
            (
                party["id"],
                party["organization_name"],
                [(rep["id"], rep["person_name"], rep["person_is_active"]) for rep in party["representatives"]],
                [(anchoring["id"], anchoring["person_name"]) for anchoring in party["anchorings"]],
                [commitment["id"] for commitment in party["commitments"]],
            )
            for party in agreement["parties"]
        ],
        "responsibilities": [
            (role["id"], role["responsible_name"], role["deputy_name"]) for role in agreement["responsibilities"]
        ],
    }


@pytest.mark.django_db
def test_the_baseline_endpoint_returns_the_list_page_from_one_query(
    client, coordinator_api, no_perm_user, client_as, settings, django_assert_num_queries
):
    settings.LOADTEST_ENDPOINTS = True
    for parties in (1, 2, 3):
        agreement = agreement_with(parties=parties, responsibilities=parties + 1, coordinated=True)
        CommitmentFactory(party=agreement.parties.first(), due_on=None)
        CommitmentFactory(party=agreement.parties.first())
        RepresentativeFactory(party=agreement.parties.last(), is_primary=True)
    AgreementFactory()  # nothing in it
    assert client.get(BENCH_URL).status_code in (401, 403)
    listed = coordinator_api.get("/api/v1/agreements/").json()
    with django_assert_num_queries(1) as captured:
        response = coordinator_api.get(BENCH_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    page = response.json()
    assert "json_agg" in captured.captured_queries[0]["sql"]
    assert page["count"] == listed["count"] == 4
    assert [_shape(row) for row in page["results"]] == [_shape(row) for row in listed["results"]]
    assert client_as(no_perm_user).get(BENCH_URL).status_code == 403  # reading needs view_agreement


@pytest.mark.django_db
def test_the_baseline_endpoint_is_not_in_the_schema(coordinator_api, settings):
    settings.LOADTEST_ENDPOINTS = True
    schema = coordinator_api.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "_bench" not in schema
