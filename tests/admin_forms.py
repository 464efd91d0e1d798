"""Rebuild an admin change form's POST data from its rendered response, as a browser would send it."""

from django.db.models.fields.files import FieldFile


def post_data_from(response, **changes) -> dict:
    """The POST body a browser would send for an admin change form as rendered, with ``changes``."""
    data = {}

    def add_form(form, prefix=None):
        for name in form.fields:
            key = f"{prefix}-{name}" if prefix else name
            value = form[name].value()
            if value is None:
                value = ""
            if value is True:
                value = "on"
            if value is False or (isinstance(value, FieldFile) and not value):
                continue
            data[key] = value

    add_form(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for index, form in enumerate(formset.forms):
            add_form(form, prefix=f"{formset.prefix}-{index}")
    for key, value in changes.items():
        if value is False:
            data.pop(key, None)
        else:
            data[key] = value
    return data
