from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers


class ServiceModelSerializer(serializers.ModelSerializer):
    """ModelSerializer whose create/update go through a service, so model rules hold here too.

    Subclasses set ``create_service`` and ``update_service`` (keyword-only callables).
    """

    create_service = None
    update_service = None

    def create(self, validated_data):
        return self._call(type(self).create_service, **validated_data)

    def update(self, instance, validated_data):
        return self._call(type(self).update_service, instance=instance, **validated_data)

    def _call(self, service, **kwargs):
        try:
            return service(**kwargs)
        except DjangoValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            raise serializers.ValidationError(detail) from exc
