"""One error shape for the API: Django validation and integrity errors become 400/409 JSON."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from samverkan_project.api.serializers import validation_detail


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=validation_detail(exc))
    elif isinstance(exc, IntegrityError):
        return Response({"detail": _("The change conflicts with existing data.")}, status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)
