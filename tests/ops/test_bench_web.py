"""make bench-web at tiny sizes: every page answered, the table printed, the JSON written as documented."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from agreements.models import Agreement
from ops.management.commands.bench_web import PAGES

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)  # each size is measured by a fresh process, which must see the portfolio
def test_bench_web_writes_the_documented_json(tmp_path):
    path = tmp_path / "bench-web.json"
    out = StringIO()
    call_command("bench_web", sizes="4,8", requests=1, warmup=0, json_path=str(path), force=True, stdout=out)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert set(document) == {"pages", "floor_ms", "agreements_list_ms"}
    assert [page["name"] for page in document["pages"]] == [name for name, _path in PAGES]
    for page in document["pages"]:
        assert set(page) == {"name", "queries_small", "queries_large", "ms_small", "ms_large"}
        assert page["queries_small"] == page["queries_large"] > 0, page
        assert page["ms_small"] > 0
        assert page["ms_large"] > 0
    assert document["floor_ms"] > 0
    assert document["agreements_list_ms"] > 0
    assert Agreement.objects.count() == 8  # the largest portfolio stays
    text = out.getvalue()
    assert "json_agg floor" in text
    assert "api agreements" in text
    assert "admin risk flags" in text


def test_bench_web_refuses_a_database_not_named_for_benchmarks():
    with pytest.raises(CommandError, match="Refusing"):
        call_command("bench_web", sizes="2", requests=1, stdout=StringIO())


@pytest.mark.parametrize("sizes", ["a,b", "0", ""])
def test_bench_web_refuses_bad_sizes(sizes):
    with pytest.raises(CommandError, match="--sizes"):
        call_command("bench_web", sizes=sizes, requests=1, force=True, stdout=StringIO())
