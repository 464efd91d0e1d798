"""Import and export of the register (CSV, XLSX) with django-import-export.

Rules every import follows:

* model validation runs on every row (``clean_model_instances``): organisation numbers with
  their Luhn check digit, the 1–5 scales, parent cycles, unique names and e-mail addresses;
* all or nothing: one invalid row rolls the whole file back, whichever door calls
  ``import_data`` (the admin's preview and confirm steps, a script, a test);
* errors name the row (1 = the first row below the headings) and the column;
* organisations are referred to by organisation number, by exact name (case-insensitive), or
  by a path "Parent / Name" for one without a number of its own whose name recurs (a
  förvaltning); an unknown or ambiguous reference is an error on that row's column;
* sector and language are given by their codes (``municipality``, ``sv``…);
* bounded and formula-aware (``samverkan_project.spreadsheets``): more than ``IMPORT_MAX_ROWS`` rows or
  an import past ``IMPORT_MAX_SECONDS`` is refused as a whole, and cells that a spreadsheet would run
  as a formula are listed in ``result.formula_cells`` for the preview.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from samverkan_project.spreadsheets import SafeModelResource
from stakeholders import selectors
from stakeholders.choices import Language, Sector
from stakeholders.models import Organization, Person
from stakeholders.validators import normalize_org_number

ORGANIZATION_COLUMNS = (
    "id", "name", "org_number", "sector", "parent", "power", "interest", "resource_level",
    "resources", "drivers", "constraints", "is_active",
)
PERSON_COLUMNS = (
    "id", "first_name", "last_name", "email", "phone", "organization", "title", "language", "left_on",
)
PATH_SEPARATOR = " / "
BOOLEAN_TRUE = {"1", "true", "yes", "ja", "sant", "x"}
BOOLEAN_FALSE = {"0", "false", "no", "nej", "falskt"}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets hand over 5560000000 as 5560000000.0
    return str(value).strip()


def _org_number_or_none(value) -> str | None:
    try:
        return normalize_org_number(_text(value))
    except ValidationError:
        return None


class OrganizationReferenceWidget(widgets.ForeignKeyWidget):
    """An organisation given by organisation number, by exact name, or by a path "Parent / Name".

    A förvaltning has no number of its own and its name recurs in every municipality, so it is
    written after its parent: ``212000-0001 / Socialförvaltningen`` (how exports write it).
    """

    def __init__(self, **kwargs):
        super().__init__(Organization, field="org_number", **kwargs)

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return None
        number = _org_number_or_none(text)
        if number:
            organization = Organization.objects.filter(org_number=number).first()
            if organization is None:
                raise ValueError(
                    _("No organisation has the organisation number %(number)s.") % {"number": number}
                )
            return organization
        matches = list(Organization.objects.filter(name__iexact=text)[:2])
        if len(matches) == 1:
            return matches[0]
        if PATH_SEPARATOR in text:
            return self._resolve_path(text)
        if matches:
            raise ValueError(
                _(
                    "Several organisations are called “%(name)s”; give its organisation number, "
                    "or its parent and name as “Parent / %(name)s”."
                )
                % {"name": text}
            )
        raise ValueError(
            _("No organisation has the organisation number or name “%(name)s”.") % {"name": text}
        )

    def _resolve_path(self, text: str) -> Organization:
        first, *names = (part.strip() for part in text.split(PATH_SEPARATOR))
        organization = self.clean(first)
        for name in names:
            child = organization.children.filter(name__iexact=name).first()
            if child is None:
                raise ValueError(
                    _("“%(parent)s” has no organisation called “%(name)s” below it.")
                    % {"parent": organization.name, "name": name}
                )
            organization = child
        return organization

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return reference_for(value)


def reference_for(organization: Organization) -> str:
    """How an import file refers to ``organization``; the inverse of OrganizationReferenceWidget."""
    if organization.org_number:
        return organization.org_number
    if organization.parent_id is None:
        return organization.name
    return f"{reference_for(organization.parent)}{PATH_SEPARATOR}{organization.name}"


class ChoiceCodeWidget(widgets.CharWidget):
    """A choice given by its code (case-insensitive); anything else is an error naming the codes."""

    def __init__(self, choices, *, required: bool = True, **kwargs):
        self.codes = list(choices.values)
        self.required = required
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = _text(value).lower()
        if not text:
            if self.required:
                raise ValueError(_("Give one of the codes: %(codes)s.") % {"codes": ", ".join(self.codes)})
            return None
        if text not in self.codes:
            raise ValueError(
                _("Unknown code “%(value)s”; use one of: %(codes)s.")
                % {"value": _text(value), "codes": ", ".join(self.codes)}
            )
        return text

    def render(self, value, obj=None, **kwargs):
        return value or ""


class OrgNumberWidget(widgets.CharWidget):
    """Normalises the organisation number when it can; the model's validation reports it when not."""

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return None  # as the model stores "no number", so unchanged rows compare equal
        return _org_number_or_none(text) or text

    def render(self, value, obj=None, **kwargs):
        return value or ""


class ScaleWidget(widgets.IntegerWidget):
    """A whole number; the model's validators check the 1–5 range."""

    def clean(self, value, row=None, **kwargs):
        text = _text(value).replace(",", ".")  # a Swedish spreadsheet may write 3,0
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        # The library's IntegerWidget would turn 3.5 into 3 without a word; refuse it instead.
        if number is None or not number.is_finite() or number != number.to_integral_value():
            raise ValueError(_("Write a whole number from 1 to 5."))
        return int(number)


class StrictBooleanWidget(widgets.Widget):
    """Yes/no in Swedish or English, 1/0 or true/false; blank means the field's default."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if not text:
            return None
        if text in BOOLEAN_TRUE:
            return True
        if text in BOOLEAN_FALSE:
            return False
        raise ValueError(_("Write yes or no (ja/nej, 1/0)."))

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type"):
            return value
        return "1" if value else "0"


class RegisterResource(SafeModelResource):
    """Shared behaviour: validated rows, one transaction, all or nothing, within the import limits."""

    # Empty spreadsheet cells arrive as None; text columns must store "" (their NOT NULL).
    WIDGETS_MAP = {**resources.ModelResource.WIDGETS_MAP, "TextField": widgets.CharWidget}

    # Read by get_instance() to find the row to update; never written, so a blank id cannot
    # turn an existing row into a new one and a new row gets the database's next id.
    id = fields.Field(attribute="id", column_name="id", widget=widgets.IntegerWidget(), readonly=True)

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=True,
        **kwargs,
    ):
        """Import ``dataset``; unlike the library default, an invalid row rolls back every row."""
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=True if use_transactions is None else use_transactions,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=rollback_on_validation_errors,
            **kwargs,
        )

    def _row_id(self, row) -> int | None:
        """The row's ``id`` column as an int; an unparseable id is an error on that column."""
        text = _text(row.get("id"))
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            raise ValidationError({"id": _("An id is a whole number; leave it empty for a new row.")}) from None

    def _existing(self, pk: int):
        instance = self.get_queryset().filter(pk=pk).first()
        if instance is None:
            raise ValidationError(
                {
                    "id": _("No %(model)s has the id %(id)s; leave the id empty to add a new one.")
                    % {"model": self._meta.model._meta.verbose_name, "id": pk}
                }
            )
        return instance


class OrganizationResource(RegisterResource):
    org_number = fields.Field(attribute="org_number", column_name="org_number", widget=OrgNumberWidget())
    sector = fields.Field(attribute="sector", column_name="sector", widget=ChoiceCodeWidget(Sector))
    parent = fields.Field(attribute="parent", column_name="parent", widget=OrganizationReferenceWidget())
    power = fields.Field(attribute="power", column_name="power", widget=ScaleWidget())
    interest = fields.Field(attribute="interest", column_name="interest", widget=ScaleWidget())
    resource_level = fields.Field(attribute="resource_level", column_name="resource_level", widget=ScaleWidget())
    is_active = fields.Field(
        attribute="is_active", column_name="is_active", widget=StrictBooleanWidget(), default=True
    )

    class Meta:
        model = Organization
        fields = ORGANIZATION_COLUMNS
        export_order = ORGANIZATION_COLUMNS
        import_order = ORGANIZATION_COLUMNS
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return Organization.objects.select_related("parent")

    def filter_export(self, queryset, **kwargs):
        # A parent without a number of its own is written with its parent (see reference_for).
        return queryset.select_related("parent__parent")

    def get_instance(self, instance_loader, row):
        """The organisation a row updates: by id, else organisation number, else name under its parent."""
        pk = self._row_id(row)
        if pk is not None:
            return self._existing(pk)
        number = _org_number_or_none(row.get("org_number"))
        if number:
            return self.get_queryset().filter(org_number=number).first()
        name = _text(row.get("name"))
        if not name:
            return None
        try:
            parent = self.fields["parent"].clean(row) if "parent" in row else None
        except ValueError:
            return None  # the parent column's own error is reported when the row is imported
        same_name = self.get_queryset().filter(name__iexact=name)
        same_name = same_name.filter(parent=parent) if parent else same_name.filter(parent__isnull=True)
        return same_name.first()


class PersonResource(RegisterResource):
    organization = fields.Field(
        attribute="organization", column_name="organization", widget=OrganizationReferenceWidget()
    )
    language = fields.Field(
        attribute="language",
        column_name="language",
        widget=ChoiceCodeWidget(Language, required=False),
        default=Language.SWEDISH,
    )
    left_on = fields.Field(attribute="left_on", column_name="left_on", widget=widgets.DateWidget("%Y-%m-%d"))

    class Meta:
        model = Person
        fields = PERSON_COLUMNS
        export_order = PERSON_COLUMNS
        import_order = PERSON_COLUMNS
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return selectors.person_list()

    def filter_export(self, queryset, **kwargs):
        # A förvaltning is written with its parent (see reference_for).
        return queryset.select_related("organization__parent")

    def get_instance(self, instance_loader, row):
        """The person a row updates: by id, else by e-mail address."""
        pk = self._row_id(row)
        if pk is not None:
            return self._existing(pk)
        email = _text(row.get("email"))
        if not email:
            return None
        return self.get_queryset().filter(email__iexact=email).first()
