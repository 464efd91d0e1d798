from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.settings import api_settings


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


class ServiceModelSerializer(serializers.ModelSerializer):
    """ModelSerializer whose create/update go through a service, so model rules hold here too.

    Subclasses set ``create_service`` and ``update_service`` (keyword-only callables) and may map
    constraint names to fields in ``constraint_fields``.
    """

    create_service = None
    update_service = None
    constraint_fields: dict[str, str] = {}

    def create(self, validated_data):
        return self._call(type(self).create_service, **validated_data)

    def update(self, instance, validated_data):
        return self._call(type(self).update_service, instance=instance, **validated_data)

    def _call(self, service, **kwargs):
        try:
            return service(**kwargs)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(validation_detail(exc, self.Meta.model, self.constraint_fields)) from exc
