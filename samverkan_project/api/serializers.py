from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.settings import api_settings

from samverkan_project.validators import EARLIEST_DATE, ID_MAX, LATEST_DATE

# The largest id a database id column (BigAutoField) holds.


def validation_detail(exc: DjangoValidationError, model=None, constraint_fields: dict | None = None) -> dict:
    """Django's ValidationError as DRF detail: model-wide messages go under the field a violated
    constraint is about (``constraint_fields``: constraint name → field), else ``non_field_errors``.

    ``full_clean`` reports a UniqueConstraint over expressions (``Lower("email")``) as model-wide,
    because Django cannot tell which field is at fault; the client still has to fix a field.
    """
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    detail = {field: list(messages) for field, messages in exc.message_dict.items()}
    field_for_message = {}
    if model is not None and constraint_fields:
        field_for_message = {
            str(constraint.get_violation_error_message()): constraint_fields[constraint.name]
            for constraint in model._meta.constraints
            if constraint.name in constraint_fields
        }
    for message in detail.pop(NON_FIELD_ERRORS, []):
        detail.setdefault(field_for_message.get(str(message), api_settings.NON_FIELD_ERRORS_KEY), []).append(message)
    return detail


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A related row by its id, a whole number (or its digits as text, as a form sends it).

    DRF's field hands 7.9 to the database lookup, which truncates it to 7, and reads ``true`` as 1.
    """

    default_error_messages = {
        "incorrect_type": _("Give the id as a whole number."),
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type")
        if isinstance(data, str):
            if not (data.isascii() and data.isdigit() and len(data) <= 19):
                self.fail("incorrect_type")
            data = int(data)
        if not 1 <= data <= ID_MAX:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class ServiceModelSerializer(serializers.ModelSerializer):
    """ModelSerializer whose create/update go through a service, so model rules hold here too.

    Subclasses set ``create_service`` and ``update_service`` (keyword-only callables) and may map
    constraint names to fields in ``constraint_fields``.
    """

    create_service = None
    update_service = None
    constraint_fields: dict[str, str] = {}
    serializer_related_field = IdRelatedField

    def create(self, validated_data):
        return self._call(type(self).create_service, **validated_data)

    def update(self, instance, validated_data):
        return self._call(type(self).update_service, instance=instance, **validated_data)

    def _call(self, service, **kwargs):
        try:
            return service(**kwargs)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(validation_detail(exc, self.Meta.model, self.constraint_fields)) from exc


class PlausibleDateField(serializers.DateField):
    """A date between EARLIEST_DATE and LATEST_DATE: dates far outside are typing errors, and date arithmetic
    (review dates, renewal periods) would overflow near year 9999 and fail with a server error."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise serializers.ValidationError(
                _("Enter a date between %(earliest)s and %(latest)s.")
                % {"earliest": date_format(EARLIEST_DATE), "latest": date_format(LATEST_DATE)}
            )
        return day
