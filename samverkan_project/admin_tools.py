"""Admin pieces every app's admin uses: the filter "rows of one linked object" (from a link such as
``?agreement__id__exact=12``), the id fields and autocomplete widgets that refuse ids no column can hold, and
putting a service's ValidationError on a form."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.forms.models import BaseInlineFormSet

from samverkan_project.validators import ID_MAX


def selected_id(value) -> int | None:
    """``value`` as a row id if it can be one (digits within the id column's range), else None."""
    value = str(value) if value is not None else ""
    return int(value) if _digits(value) and 0 < int(value) <= ID_MAX else None


def _digits(text: str) -> bool:
    # ASCII only: "²" and "٣" are digits to str.isdigit() but not to int().
    return text.isascii() and text.isdigit()


def out_of_range(value) -> bool:
    """True for an integer no id column holds: refused as an invalid choice before it reaches the database."""
    text = str(value).strip()
    return _digits(text.lstrip("-")) and not 0 < int(text) <= ID_MAX


class LinkedObjectFilter(admin.SimpleListFilter):
    """The rows of one linked object, reached from a link on that object's page. Only the object asked for is
    offered as a choice: listing every agreement or person would be thousands of links (the search box finds
    the others). Subclasses set ``title``, ``parameter_name``, ``model`` and ``lookup`` (or override
    ``filter_by``); ``related`` names what the object's label needs."""

    model = None
    lookup = ""
    related: tuple[str, ...] = ()

    def lookups(self, request, model_admin):
        pk = selected_id(self.value())
        found = self.model._default_manager.select_related(*self.related).filter(pk=pk).first() if pk else None
        return [(str(found.pk), str(found))] if found else []

    def queryset(self, request, queryset):
        pk = selected_id(self.value())
        return queryset if pk is None else self.filter_by(queryset, pk)

    def filter_by(self, queryset, pk: int):
        return queryset.filter(**{self.lookup: pk})


class IdChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and out_of_range(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            if out_of_range(pk):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)


class IdAutocompleteMixin:
    """Renders only well-formed ids as chosen: odd input sent back with the form's errors never reaches the
    query that labels the chosen options."""

    def optgroups(self, name, value, attr=None):
        value = [v for v in value if _digits(str(v)) and not out_of_range(v)]
        return super().optgroups(name, value, attr)


class IdAutocompleteSelect(IdAutocompleteMixin, AutocompleteSelect):
    pass


class IdAutocompleteSelectMultiple(IdAutocompleteMixin, AutocompleteSelectMultiple):
    pass


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: under its fields where the form has them, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class VerboseUniqueInlineFormSet(BaseInlineFormSet):
    """Names the fields of a duplicate row by their labels (”organisation”), not by their code names as
    Django's formsets do (”organization”)."""

    def get_unique_error_message(self, unique_check):
        labels = []
        for name in unique_check:
            try:
                labels.append(str(self.model._meta.get_field(name).verbose_name))
            except FieldDoesNotExist:
                labels.append(name)
        return super().get_unique_error_message(labels)
