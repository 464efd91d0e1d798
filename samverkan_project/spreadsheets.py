"""Spreadsheet files in and out of the admin (django-import-export): formula-safe, and bounded.

**Formula injection.** Text a user typed (in the admin, through the API, in an import) that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or their full-width forms) is run as a
formula by spreadsheet programs when it comes back in an export: ``=HYPERLINK(...)`` sends data
away, ``+cmd|...`` starts programs. Every export therefore writes such text as inert text:

* CSV (``SafeCSV``): an apostrophe is put before it (OWASP's advice), so a spreadsheet shows text;
  an import takes that apostrophe off again, so an export imports back unchanged. Text that itself
  begins with apostrophes before such a sign gets one more, so the round trip is exact.
* XLSX (``SafeXLSX``): the cell is written as a text cell with Excel's own "quote prefix" mark, never
  as a formula; its value stays exactly what was stored.

We do not use the library's ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT``: it only drops a leading
``=`` (changing the data and leaving ``+``, ``-``, ``@``, tab and CR live) and turns every cell,
empty and numeric ones too, into text. An import keeps such text as entered (it is legitimate text,
e.g. "-5 % kostnad") but its preview lists the cells (``SafeModelResource``: ``result.formula_cells``).

**Limits.** Importing is slow (every row is validated and written with its history), so a file is
refused before the work starts when it is larger than ``IMPORT_MAX_BYTES`` (an XLSX also when it
unpacks to more than ``XLSX_UNPACKED_FACTOR`` times that) or has more than ``IMPORT_MAX_ROWS`` rows;
an import still running after ``IMPORT_MAX_SECONDS`` is stopped and rolled back. Each refusal is a
message to the user (``RefusedImport``), never a 500 or a worker timeout.
"""

import re
import time
import zipfile
from dataclasses import dataclass
from io import BytesIO

import tablib
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from import_export.formats.base_formats import BINARY_FORMATS, CSV, XLSX
from import_export.forms import ImportForm, SelectableFieldsExportForm
from import_export.resources import ModelResource
from import_export.results import Error

# The signs spreadsheet programs start a formula with, and the full-width forms some of them accept.
FORMULA_SIGNS = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"
_ESCAPED = re.compile(f"^'*[{re.escape(FORMULA_SIGNS)}]")
_UNESCAPE = re.compile(f"^'+[{re.escape(FORMULA_SIGNS)}]")
# A signed number or phone number ("+46 70 123 45 67", "-5") cannot call anything: not worth a warning.
_NUMBER_LIKE = re.compile(r"^[+\-][\d ().\-]*$")
# An XLSX is a zip of XML; this many times IMPORT_MAX_BYTES unpacked is far beyond any honest file.
XLSX_UNPACKED_FACTOR = 20


def escape_cell(value):
    """``value`` as a CSV cell a spreadsheet shows as text: an apostrophe before a formula sign."""
    if isinstance(value, str) and _ESCAPED.match(value):
        return "'" + value
    return value


def unescape_cell(value):
    """The inverse of ``escape_cell``, for a cell read from a CSV file."""
    if isinstance(value, str) and _UNESCAPE.match(value):
        return value[1:]
    return value


def starts_like_formula(value) -> bool:
    """Would a spreadsheet program run ``value`` as a formula if it were typed into a cell?"""
    return (
        isinstance(value, str)
        and value[:1] != ""
        and value[0] in FORMULA_SIGNS
        and not _NUMBER_LIKE.match(value)
    )


# --- limits -------------------------------------------------------------------------------------


class RefusedImport(ValueError):
    """A file or an import over a limit; ``str()`` is the message for the user."""


def check_size(size: int) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise RefusedImport(
            _("The file is %(size)s; an import may be at most %(limit)s. Split it into smaller files.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


def check_rows(rows: int) -> None:
    limit = settings.IMPORT_MAX_ROWS
    if rows > limit:
        count = number_format(limit, force_grouping=True)
        raise RefusedImport(
            _(
                "The file has more than %(limit)s rows; an import may have at most %(limit)s. "
                "Split it into smaller files."
            )
            % {"limit": count}
        )


def check_unpacked_size(content: bytes) -> None:
    """An XLSX (a zip) whose members unpack to far more than the size limit: a zip bomb, or no spreadsheet."""
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise RefusedImport(_("The file is not an Excel workbook (.xlsx).")) from None
    limit = settings.IMPORT_MAX_BYTES * XLSX_UNPACKED_FACTOR
    if unpacked > limit:
        raise RefusedImport(
            _("The spreadsheet unpacks to %(size)s; at most %(limit)s is accepted. Split it into smaller files.")
            % {"size": filesizeformat(unpacked), "limit": filesizeformat(limit)}
        )


# --- formats ------------------------------------------------------------------------------------


class SafeFormat:
    """Marks the formats every import/export admin must use (a test walks the admin for it)."""


def _rebuilt(dataset: tablib.Dataset, cell) -> tablib.Dataset:
    rows = [tuple(cell(value) for value in row) for row in dataset]
    return tablib.Dataset(*rows, headers=dataset.headers, title=dataset.title)


class SafeCSV(SafeFormat, CSV):
    """CSV whose formula-like cells are escaped on export and unescaped on import, within the limits."""

    def create_dataset(self, in_stream, **kwargs):
        check_size(len(in_stream.encode() if isinstance(in_stream, str) else in_stream))
        dataset = super().create_dataset(in_stream, **kwargs)
        check_rows(dataset.height)
        return _rebuilt(dataset, unescape_cell)

    def export_data(self, dataset, **kwargs):
        return super().export_data(_rebuilt(dataset, escape_cell), **kwargs)


class SafeXLSX(SafeFormat, XLSX):
    """XLSX read row by row up to the limit, and written with text cells that are never formulas."""

    def create_dataset(self, in_stream):
        import openpyxl

        check_size(len(in_stream))
        check_unpacked_size(in_stream)
        ignore_blanks = getattr(settings, "IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES", False)
        # 'data_only': a formula cell gives its last computed value, never the formula.
        book = openpyxl.load_workbook(BytesIO(in_stream), read_only=True, data_only=True)
        try:
            rows = book.active.iter_rows(values_only=True)
            dataset = tablib.Dataset()
            dataset.headers = list(next(rows, ()))
            for values in rows:
                if ignore_blanks and all(value is None for value in values):
                    continue
                dataset.append(list(values))
                check_rows(dataset.height)  # stops reading at the first row over the limit
        finally:
            book.close()
        return dataset

    def export_data(self, dataset, **kwargs):
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        sheet.title = (dataset.title or "Export")[:31]
        bold = Font(bold=True)
        if dataset.headers:
            sheet.append(list(dataset.headers))
            for cell in sheet[1]:
                cell.font = bold
            sheet.freeze_panes = "A2"
        for row_number, values in enumerate(dataset, start=sheet.max_row + 1 if dataset.headers else 1):
            for column_number, value in enumerate(values, start=1):
                cell = sheet.cell(row=row_number, column=column_number)
                if isinstance(value, str):
                    # Control characters XML cannot hold would fail the whole export.
                    value = ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
                    cell.value = value
                    # openpyxl makes any str starting with "=" a formula; force text, marked as such.
                    cell.data_type = "s"
                    if starts_like_formula(value) or _ESCAPED.match(value):
                        cell.quotePrefix = True
                else:
                    try:
                        cell.value = value
                    except ValueError:  # e.g. a datetime with a time zone, which Excel cannot hold
                        cell.value = str(value)
        stream = BytesIO()
        book.save(stream)
        return stream.getvalue()


class SafeExcelCSV(SafeCSV):
    """CSV as Excel in Swedish opens it with a double click: UTF-8 with a byte-order mark (or Excel reads
    å, ä, ö wrongly) and semicolons between cells (Excel's list separator where the decimal sign is a comma).
    Imports the same way, so an exported file imports back."""

    DELIMITER = ";"

    def get_title(self):
        return _("csv for Excel (semicolons)")

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        in_stream = in_stream.removeprefix("\ufeff")
        check_size(len(in_stream.encode()))
        dataset = tablib.import_set(in_stream, format="csv", delimiter=self.DELIMITER)
        check_rows(dataset.height)
        return _rebuilt(dataset, unescape_cell)

    def export_data(self, dataset, **kwargs):
        return "\ufeff" + _rebuilt(dataset, escape_cell).export("csv", delimiter=self.DELIMITER)


# New formats go last: a format is chosen by its position in this list.
SAFE_FORMATS = [SafeCSV, SafeXLSX, SafeExcelCSV]


# --- resources ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormulaCell:
    row: int  # 1 = the first row below the headings
    column: str
    value: str


class RefusedImportError(Error):
    """An import stopped by a limit: its message is shown, without a traceback."""

    traceback = ""


class SafeModelResource(ModelResource):
    """A resource whose imports are bounded (rows, time) and whose preview lists formula-like cells."""

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """Import ``dataset`` within the limits; ``result.formula_cells`` lists cells that look like formulas."""
        self._deadline = time.monotonic() + settings.IMPORT_MAX_SECONDS
        try:
            check_rows(dataset.height)
            result = super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)
        except RefusedImport as exc:
            if raise_errors:
                raise
            result = self.get_result_class()()
            result.append_base_error(RefusedImportError(exc))
        self.import_data_preview(result)
        result.formula_cells = [
            FormulaCell(row=number, column=column, value=value)
            for number, row in enumerate(dataset, start=1)
            for column, value in zip(dataset.headers or (), row, strict=False)
            if starts_like_formula(value)
        ]
        return result

    def import_data_preview(self, result):
        """Per row of the preview: its number and, for a row that updates an existing record, the columns
        whose value changes (``row.changed_columns``); ``result.updates`` lists those rows."""
        result.updates = []
        headers = list(result.diff_headers)
        for number, row in enumerate(result.rows, start=1):
            row.number = number
            changed = [
                header
                for header, cell in zip(headers, row.diff or (), strict=False)
                if "<ins" in str(cell) or "<del" in str(cell)
            ]
            row.changed_columns = changed if row.import_type == row.IMPORT_TYPE_UPDATE else []
            row.cells = [
                (cell, header in row.changed_columns) for header, cell in zip(headers, row.diff or (), strict=False)
            ]
            if row.import_type == row.IMPORT_TYPE_UPDATE:
                # The record as it is stored now (a rename shows the name it has, not the one it gets).
                row.stored_repr = str(row.original) if row.original is not None else row.object_repr
                result.updates.append(row)
        return result

    def import_row(self, row, instance_loader, **kwargs):
        # Raised outside the library's per-row error handling, so it ends the whole import and
        # its transaction rolls back.
        if time.monotonic() > getattr(self, "_deadline", float("inf")):
            raise RefusedImport(
                _(
                    "The import was stopped after %(seconds)s seconds, before it finished; nothing was saved. "
                    "Split the file into smaller files."
                )
                % {"seconds": settings.IMPORT_MAX_SECONDS}
            )
        return super().import_row(row, instance_loader, **kwargs)


# --- admin --------------------------------------------------------------------------------------


class LimitedImportForm(ImportForm):
    """The import form: a file over the size limit is refused before it is stored or read."""

    def clean_import_file(self):
        import_file = self.cleaned_data["import_file"]
        try:
            check_size(import_file.size)
        except RefusedImport as exc:
            raise forms.ValidationError(str(exc), code="too_large") from None
        return import_file


class LabelledExportForm(SelectableFieldsExportForm):
    """The export's choice of columns, each named by its label in the admin's language and its column
    heading in the file: ”Förnamn (first_name)”, not the library's ”First Name”."""

    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        column = field.column_name if field else field_name
        try:
            label = capfirst(resource._meta.model._meta.get_field(field.attribute or field_name).verbose_name)
        except (FieldDoesNotExist, AttributeError):
            return column
        return f"{label} ({column})"


class SafeImportExportMixin:
    """For an ImportExportModelAdmin: the safe formats, the limits, and their messages on the page."""

    formats = SAFE_FORMATS
    import_form_class = LimitedImportForm
    export_form_class = LabelledExportForm

    def get_export_data(self, file_format, request, queryset, **kwargs):
        """As the library's, but numbers and dates stay native in our XLSX too (it checks the exact class)."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        native = isinstance(file_format, tuple(BINARY_FORMATS))
        data = self.get_data_for_export(request, queryset, force_native_type=native, **kwargs)
        export_data = file_format.export_data(data)
        encoding = kwargs.get("encoding")
        if not file_format.is_binary() and encoding:
            export_data = export_data.encode(encoding)
        return export_data

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, RefusedImport):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def process_import(self, request, **kwargs):
        """The confirmation step; a file that is now over a limit (the limits changed) is a message too."""
        try:
            return super().process_import(request, **kwargs)
        except RefusedImport as exc:
            messages.error(request, str(exc))
            return self._back_to_import()

    def _back_to_import(self):
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_import"
        return HttpResponseRedirect(reverse(name, current_app=self.admin_site.name))

    def process_result(self, result, request):
        """After the confirmation: an import stopped by a limit goes back to the import page, saying why."""
        if result.has_errors() or result.has_validation_errors():
            for error in result.base_errors:
                messages.error(request, str(error.error))
            if not result.base_errors:
                messages.error(request, _("The import failed; nothing was saved."))
            return self._back_to_import()
        return super().process_result(result, request)
