"""OpenAPI documentation shared by every endpoint: the error shapes and where each error can occur.

Views set ``schema = DocumentedAutoSchema()``; it adds the error responses an operation can give
(401, 403 and 429 everywhere, 404 on routes with an id or a page, 400 on writes and filtered lists,
409 and 413 on writes) unless the view documents that status itself, tags each operation with its resource
and lists the ordering fields. ``ERRORS_READ``, ``ERRORS_WRITE`` … are the same responses for views
that spell out their ``responses``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers
from rest_framework.filters import OrderingFilter


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, in the request's language."))


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, in the request's language."))
    blocked_by = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text=_("On a refused delete: the records still referring to this one, counted per model label."),
    )


class ValidationErrorSerializer(serializers.Serializer):
    """Documented by ``ValidationErrorSchema``: messages per field, with free-form field names."""


class ValidationErrorSchema(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction):
        messages = {"type": "array", "items": {"type": "string"}}
        return {
            "type": "object",
            "description": str(
                _(
                    "Messages per field (request body fields or query parameters). Messages about the record "
                    "as a whole are under non_field_errors; a body that cannot be read is explained under detail. "
                    "Fields of nested lists carry their messages by position."
                )
            ),
            "properties": {
                "non_field_errors": {**messages, "description": str(_("Messages about the record as a whole."))},
                "detail": {"type": "string", "description": str(_("The body could not be read (e.g. broken JSON)."))},
            },
            "additionalProperties": {"oneOf": [messages, {"type": "string"}, {"type": "object"}]},
        }


def _error(serializer, description, *examples: tuple[str, dict]) -> OpenApiResponse:
    return OpenApiResponse(
        response=serializer,
        description=description,
        examples=[OpenApiExample(name, value=value, response_only=True) for name, value in examples],
    )


BAD_REQUEST = _error(
    ValidationErrorSerializer,
    _("Refused: the request's fields or query parameters are invalid; the messages say which and why."),
    ("Field errors", {"name": ["This field is required."], "power": ["Ensure this value is less than or equal to 5."]}),
    ("Record as a whole", {"non_field_errors": ["An agreement needs at least two parties to be activated."]}),
)
# The 400 of an operation that validates its input (views that spell out their ``responses``).
VALIDATION_RESPONSE = BAD_REQUEST
BAD_QUERY = _error(
    ValidationErrorSerializer,
    _("Refused: a filter or ordering parameter is invalid; the messages say which and why."),
    ("Invalid filter", {"valid_to_after": ["Enter a valid date."]}),
)
UNAUTHORIZED = _error(
    ErrorSerializer,
    _("No valid login: send `Authorization: Token <key>` (or use a session login)."),
    ("No credentials", {"detail": "Authentication credentials were not provided."}),
)
FORBIDDEN = _error(
    ErrorSerializer,
    _("Logged in, but without the Django model permission this operation needs (view, add, change or delete)."),
    ("No permission", {"detail": "You do not have permission to perform this action."}),
)
NOT_FOUND = _error(
    ErrorSerializer,
    _("No record with this id (or the page number is past the last page)."),
    ("Unknown id", {"detail": "No Organization matches the given query."}),
)
CONFLICT = _error(
    ConflictSerializer,
    _("The change conflicts with existing data, e.g. a record with the same unique values saved at the same moment."),
    ("Conflict", {"detail": "The change conflicts with existing data."}),
)
DELETE_CONFLICT = _error(
    ConflictSerializer,
    _("Other records still refer to this one; blocked_by counts them per model. Remove or move them first."),
    (
        "Delete blocked",
        {"detail": "Other records still refer to this one.", "blocked_by": {"agreements.party": 2}},
    ),
)

TOO_MANY_FAILED_TOKENS = _error(
    ErrorSerializer,
    _("This client sent too many unknown or invalid tokens; wait the Retry-After seconds."),
    ("Too many failed tokens", {"detail": "Too many requests with an unknown or invalid token."}),
)

TOO_LARGE = _error(
    ErrorSerializer,
    _("The body is larger than accepted (DATA_UPLOAD_MAX_MEMORY_SIZE, or REQUEST_BODY_MAX_BYTES for an upload)."),
    ("Too large", {"detail": "The request body is too large: at most 2621440 bytes are accepted."}),
)

ERRORS_LOGIN = {401: UNAUTHORIZED, 403: FORBIDDEN, 429: TOO_MANY_FAILED_TOKENS}
ERRORS_LIST = {400: BAD_QUERY, **ERRORS_LOGIN, 404: NOT_FOUND}
ERRORS_READ = {**ERRORS_LOGIN, 404: NOT_FOUND}
ERRORS_CREATE = {400: BAD_REQUEST, **ERRORS_LOGIN, 409: CONFLICT, 413: TOO_LARGE}
ERRORS_WRITE = {**ERRORS_CREATE, 404: NOT_FOUND}
ERRORS_DELETE = {**ERRORS_LOGIN, 404: NOT_FOUND, 409: DELETE_CONFLICT}

WRITE_METHODS = {"POST", "PUT", "PATCH"}


class DocumentedAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with the error responses, resource tags and ordering fields filled in."""

    def error_responses(self) -> dict:
        has_id = "{" in self.path
        if self.method == "DELETE":
            return ERRORS_DELETE
        if self.method in WRITE_METHODS:
            return ERRORS_WRITE if has_id else ERRORS_CREATE
        if self._is_list_view():
            return ERRORS_LIST
        return ERRORS_READ if has_id else ERRORS_LOGIN

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in self.error_responses().items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(response, str(code), direction=direction)
        return responses

    def get_tags(self) -> list[str]:
        tags = getattr(self.view, "schema_tags", None)
        return list(tags) if tags else super().get_tags()

    def _get_filter_parameters(self):
        parameters = super()._get_filter_parameters()
        fields = getattr(self.view, "ordering_fields", None)
        if fields and fields != "__all__":
            for parameter in parameters:
                if parameter["name"] == OrderingFilter.ordering_param:
                    parameter["description"] = str(
                        _("Sort by one or more of: %(fields)s (comma-separated; a leading - sorts descending).")
                        % {"fields": ", ".join(fields)}
                    )
        return parameters
