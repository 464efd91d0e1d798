import re

from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from samverkan_project.rowcounts import CountedPaginator


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's page numbers, with ``page_size`` a whole number from 1 to ``max_page_size``: anything else is a
    400 saying so (DRF silently falls back to the default size)."""

    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = CountedPaginator  # a whole table's total without counting it

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,6}", raw) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1, "maximum": self.max_page_size}
        return parameters
