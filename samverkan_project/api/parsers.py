"""Request body parsers of the API: DRF's, with a bound on how deep a JSON document may nest.

Python's JSON decoder recurses once per level and gives up near a thousand levels with a RecursionError,
which DRF does not catch (a server error); below that, a deep document still costs the serializers as
much. No request of this API nests more than a few levels, so anything deeper than ``JSON_MAX_DEPTH`` is
refused as unreadable (400) before a serializer sees it.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

JSON_MAX_DEPTH = 32


def json_depth_exceeds(data, limit: int) -> bool:
    """Whether lists and objects in ``data`` nest deeper than ``limit`` (iteratively: no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    too_deep_message = _("The JSON body is nested too deeply (more than %(limit)d levels of lists and objects).")

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(self.too_deep_message % {"limit": JSON_MAX_DEPTH}) from None
        if json_depth_exceeds(data, JSON_MAX_DEPTH):
            raise ParseError(self.too_deep_message % {"limit": JSON_MAX_DEPTH})
        return data
