"""The API's JSON renderer (orjson) writes what DRF's own JSONRenderer writes."""

import dataclasses
import datetime as dt
import decimal
import json
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy, override
from rest_framework import renderers as drf_renderers

from agreements.choices import AgreementStatus
from samverkan_project.api.renderers import JSONRenderer
from tests.factories import AgreementFactory


def both(data, accepted_media_type=None, renderer_context=None):
    ours = JSONRenderer().render(data, accepted_media_type, renderer_context)
    theirs = drf_renderers.JSONRenderer().render(data, accepted_media_type, renderer_context)
    return ours, theirs


def test_the_same_bytes_as_drf_for_every_kind_of_value():
    stockholm = ZoneInfo("Europe/Stockholm")
    data = {
        "text": "Överenskommelse – “citat” \u2028 line\u2029 para \x00 \t tab",
        "numbers": [0, -1, 2**63 - 1, 1.5, 0.1, 1234.5678, True, False, None],
        "date": dt.date(2026, 12, 3),
        "time": dt.time(9, 30, 15, 123456),
        "aware": dt.datetime(2026, 12, 3, 9, 30, 15, 123456, tzinfo=stockholm),
        "utc": dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC),
        "naive": dt.datetime(2026, 12, 3, 9, 30),
        "duration": dt.timedelta(days=1, seconds=5),
        "decimal": decimal.Decimal("12.50"),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "choice": AgreementStatus.ACTIVE,
        "lazy": gettext_lazy("Other records still refer to this agreement."),
        "tuple": (1, 2),
        "set": {3},
        "generator_free": {1: "int key", "nested": [{"deep": [[[]]]}]},
        "empty": {},
    }
    with override("sv"):
        ours, theirs = both(data)
    assert ours == theirs
    assert b"\\u2028" in ours
    assert "\u2028".encode() not in ours


def test_a_float_in_exponent_form_is_the_same_number():
    ours, theirs = both({"small": 1e-7, "large": 1e22})
    assert ours == b'{"small":1e-7,"large":1e+22}'
    assert json.loads(ours) == json.loads(theirs) == {"small": 1e-7, "large": 1e22}


def test_indented_output_and_integers_beyond_64_bits_are_written_by_drf():
    assert both({"a": [1, 2]}, "application/json; indent=4") == (b'{\n    "a": [\n        1,\n        2\n    ]\n}',) * 2
    ours, theirs = both({"big": 2**70})
    assert ours == theirs == b'{"big":1180591620717411303424}'
    assert both(None) == (b"", b"")


def test_what_drf_refuses_is_refused():
    @dataclasses.dataclass
    class Point:
        x: int

    with pytest.raises(TypeError):
        JSONRenderer().render({"point": Point(1)})
    with pytest.raises(TypeError):
        JSONRenderer().render({"object": object()})


@pytest.mark.django_db
def test_the_api_answers_through_it(reader_api):
    AgreementFactory()
    response = reader_api.get("/api/v1/agreements/")
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, JSONRenderer)
    assert response.content == drf_renderers.JSONRenderer().render(response.data)
