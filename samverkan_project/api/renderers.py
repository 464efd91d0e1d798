"""The API's renderers: JSON, and DRF's browsable API for a person with a browser.

JSON is written by orjson (a list page of nested agreements took a tenth of its time in ``json.dumps``) and
reads exactly as DRF's renderer writes it: compact, UTF-8, U+2028/U+2029 escaped, dates, times, decimals, lazy
translations and anything else not plain JSON handed to DRF's encoder. Where orjson cannot (an integer beyond
64 bits), and for indented output, DRF's renderer writes it. Two differences: a float in exponent form is
written without the exponent's padding (``1e-7``, where DRF writes ``1e-07``: the same number), and one that
is not a number would be null, where DRF refuses it (no field of the API computes one).

The browsable API's templates (DRF's own) style a few elements with ``style`` attributes and a ``<style>`` block, so
its pages add inline styles to the site's Content-Security-Policy; scripts stay files only (DRF passes its CSRF
settings as a JSON data block, which the policy does not treat as script)."""

import orjson
from csp.constants import UNSAFE_INLINE
from rest_framework import renderers
from rest_framework.utils import encoders

# Everything orjson would write its own way goes to DRF's encoder instead: datetimes ("Z", milliseconds) and
# dataclasses (refused, as json.dumps refuses them). Keys that are not strings are written as json.dumps does.
ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if (
            data is None
            or not self.compact
            or self.ensure_ascii
            or self.get_indent(accepted_media_type, renderer_context or {}) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=encoders.JSONEncoder().default, option=ORJSON_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)  # the same answer, or the same error
        return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            # django-csp's csp_update, for this one response: read by its middleware once the page is rendered.
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)
