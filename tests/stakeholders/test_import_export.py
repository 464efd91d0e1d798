"""Import and export of organisations and people: the Resource API and the admin's pages."""

import csv
import datetime
import io

import openpyxl
import pytest
import tablib
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from ops.demo.register import seed_demo_register
from stakeholders.models import Organization, Person
from stakeholders.resources import (
    ORGANIZATION_COLUMNS,
    PERSON_COLUMNS,
    OrganizationResource,
    PersonResource,
)
from tests.factories import OrganizationFactory, PersonFactory, org_number_for

ORGANIZATION_IMPORT = reverse("admin:stakeholders_organization_import")
ORGANIZATION_PROCESS_IMPORT = reverse("admin:stakeholders_organization_process_import")
ORGANIZATION_EXPORT = reverse("admin:stakeholders_organization_export")
PERSON_IMPORT = reverse("admin:stakeholders_person_import")
PERSON_PROCESS_IMPORT = reverse("admin:stakeholders_person_process_import")
PERSON_EXPORT = reverse("admin:stakeholders_person_export")
CSV_FORMAT, XLSX_FORMAT = "0", "1"  # positions in the admins' `formats`

# Organisation numbers with a right check digit (and one without), written as people type them.
KOMMUN_NUMBER = org_number_for(900)
REGION_NUMBER = org_number_for(901)
UNIVERSITY_NUMBER = org_number_for(902)
BAD_CHECK_DIGIT = KOMMUN_NUMBER[:-1] + str((int(KOMMUN_NUMBER[-1]) + 1) % 10)


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English, whatever translations exist."""
    with translation.override("en"):
        yield


def login(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def coordinator_admin(client, coordinator):
    client.cookies["django_language"] = "en"  # the assertions read the English messages
    return login(client, coordinator)


def organization_rows(*rows: dict) -> list[dict]:
    defaults = {column: "" for column in ORGANIZATION_COLUMNS}
    defaults.update(sector="municipality", power="3", interest="3", resource_level="3", is_active="1")
    return [{**defaults, **row} for row in rows]


def person_rows(*rows: dict) -> list[dict]:
    defaults = {column: "" for column in PERSON_COLUMNS}
    return [{**defaults, **row} for row in rows]


def dataset(columns, rows) -> tablib.Dataset:
    return tablib.Dataset(*[[row[column] for column in columns] for row in rows], headers=list(columns))


def csv_bytes(columns, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def import_organizations(*rows: dict):
    return OrganizationResource().import_data(
        dataset(ORGANIZATION_COLUMNS, organization_rows(*rows)), dry_run=False, raise_errors=False
    )


def import_people(*rows: dict):
    return PersonResource().import_data(
        dataset(PERSON_COLUMNS, person_rows(*rows)), dry_run=False, raise_errors=False
    )


def errors_by_row(result) -> dict[int, dict[str, list[str]]]:
    return {row.number: row.field_specific_errors for row in result.invalid_rows}


GOOD_ORGANIZATIONS = (
    {"name": "Exempelby kommun", "org_number": KOMMUN_NUMBER.replace("-", ""), "power": "5", "interest": "5"},
    {"name": "Socialförvaltningen", "parent": KOMMUN_NUMBER, "power": "4", "interest": "2"},
    {"name": "Fritidsförvaltningen", "parent": "exempelby KOMMUN"},
    {"name": "Region Exempel", "org_number": REGION_NUMBER, "sector": "REGION", "is_active": "nej"},
)


# --- Resource API ------------------------------------------------------------------------------


def test_good_organisations_are_imported_with_parents_and_codes(db):
    result = import_organizations(*GOOD_ORGANIZATIONS)
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert result.totals["new"] == 4
    kommun = Organization.objects.get(name="Exempelby kommun")
    assert kommun.org_number == KOMMUN_NUMBER  # normalised to NNNNNN-NNNN
    assert set(kommun.children.values_list("name", flat=True)) == {"Socialförvaltningen", "Fritidsförvaltningen"}
    region = Organization.objects.get(name="Region Exempel")
    assert (region.sector, region.is_active) == ("region", False)


@pytest.mark.parametrize(
    ("bad_row", "field", "message"),
    [
        ({"name": "Fel AB", "org_number": BAD_CHECK_DIGIT}, "org_number", "check digit is wrong"),
        ({"name": "Fel AB", "org_number": "12345"}, "org_number", "ten digits"),
        ({"name": "Fel AB", "power": "7"}, "power", "less than or equal to 5"),
        ({"name": "Fel AB", "interest": "0"}, "interest", "greater than or equal to 1"),
        ({"name": "Fel AB", "resource_level": "mycket"}, "resource_level", "whole number from 1 to 5"),
        ({"name": "Fel AB", "power": "3.5"}, "power", "whole number from 1 to 5"),
        ({"name": "Fel AB", "power": ""}, "power", "cannot be null"),
        ({"name": "Fel AB", "sector": "kommun"}, "sector", "Unknown code “kommun”"),
        ({"name": "Fel AB", "sector": ""}, "sector", "Give one of the codes"),
        ({"name": "Fel AB", "parent": "Finns inte"}, "parent", "No organisation has the organisation number or name"),
        ({"name": "Fel AB", "parent": UNIVERSITY_NUMBER}, "parent", "No organisation has the organisation number"),
        ({"name": "Fel AB", "is_active": "kanske"}, "is_active", "yes or no"),
        ({"name": "", "org_number": UNIVERSITY_NUMBER}, "name", "cannot be blank"),
        ({"id": "99999", "name": "Fel AB"}, "id", "No organisation has the id 99999"),
        ({"id": "ett", "name": "Fel AB"}, "id", "whole number"),
    ],
)
def test_one_bad_row_imports_nothing_and_names_row_and_field(db, bad_row, field, message):
    result = import_organizations(*GOOD_ORGANIZATIONS, bad_row, {"name": "Efter felet"})
    assert result.has_validation_errors()
    assert not result.has_errors()  # reported as a row error, not a crash
    errors = errors_by_row(result)
    assert list(errors) == [5]  # row 5 = the fifth row below the headings
    assert field in errors[5]
    assert message in " ".join(errors[5][field])
    assert Organization.objects.count() == 0
    assert Organization.history.count() == 0


def test_import_refuses_a_parent_cycle(db):
    kommun = OrganizationFactory(name="Exempelby kommun", org_number=KOMMUN_NUMBER)
    OrganizationFactory(name="Socialförvaltningen", org_number=None, parent=kommun)
    result = import_organizations(
        {"name": "Exempelby kommun", "org_number": KOMMUN_NUMBER, "parent": "Socialförvaltningen"}
    )
    assert errors_by_row(result)[1]["parent"] == ["The parent would create a cycle: it lies below this organisation."]
    kommun.refresh_from_db()
    assert kommun.parent is None


def test_an_ambiguous_parent_name_is_a_row_error(db):
    for kommun in OrganizationFactory.create_batch(2):
        OrganizationFactory(name="Socialförvaltningen", org_number=None, parent=kommun)
    result = import_organizations({"name": "Enhet", "parent": "Socialförvaltningen"})
    assert "or its parent and name as “Parent / Socialförvaltningen”" in errors_by_row(result)[1]["parent"][0]
    assert not Organization.objects.filter(name="Enhet").exists()


def test_an_organisation_without_a_number_is_referred_to_by_its_parent_and_name(db):
    kommun, grannkommun = OrganizationFactory.create_batch(2)
    forvaltning = OrganizationFactory(name="Socialförvaltningen", org_number=None, parent=kommun)
    OrganizationFactory(name="Socialförvaltningen", org_number=None, parent=grannkommun)
    result = import_organizations(
        {"name": "Enhet för äldreomsorg", "parent": f"{kommun.org_number} / Socialförvaltningen"},
        {"name": "Enhet för LSS", "parent": f"{kommun.name} / socialförvaltningen"},
        {"name": "Enhet för barn", "parent": f"{kommun.org_number} / Socialförvaltningen / Enhet för äldreomsorg"},
        {"name": "Fel", "parent": f"{kommun.org_number} / Kulturförvaltningen"},
    )
    errors = errors_by_row(result)
    assert list(errors) == [4]
    assert errors[4]["parent"] == [f"“{kommun.name}” has no organisation called “Kulturförvaltningen” below it."]

    assert not forvaltning.children.exists()  # the bad row took the good ones with it

    result = import_organizations(
        {"name": "Enhet för äldreomsorg", "parent": f"{kommun.org_number} / Socialförvaltningen"},
        {"name": "Enhet för barn", "parent": f"{kommun.org_number} / Socialförvaltningen / Enhet för äldreomsorg"},
    )
    assert not result.has_validation_errors(), errors_by_row(result)
    aldreomsorg = forvaltning.children.get()
    assert aldreomsorg.children.get().name == "Enhet för barn"
    exported = {row["name"]: row for row in OrganizationResource().export().dict}
    assert exported["Enhet för barn"]["parent"] == (
        f"{kommun.org_number} / Socialförvaltningen / Enhet för äldreomsorg"
    )


def test_existing_organisations_are_updated_by_id_number_or_name(db):
    kommun = OrganizationFactory(name="Exempelby kommun", org_number=KOMMUN_NUMBER, power=3)
    forvaltning = OrganizationFactory(name="Socialförvaltningen", org_number=None, parent=kommun, power=2)
    region = OrganizationFactory(name="Region Exempel", org_number=REGION_NUMBER, sector="region")
    result = import_organizations(
        {"org_number": KOMMUN_NUMBER, "name": "Exempelby kommun", "power": "5"},
        {"name": "socialförvaltningen", "parent": KOMMUN_NUMBER, "power": "4"},
        {"id": str(region.pk), "name": "Region Exempel (ny)", "org_number": REGION_NUMBER, "sector": "region"},
    )
    assert not result.has_validation_errors(), errors_by_row(result)
    assert result.totals["update"] == 3
    assert result.totals["new"] == 0
    assert Organization.objects.count() == 3
    kommun.refresh_from_db()
    forvaltning.refresh_from_db()
    region.refresh_from_db()
    assert (kommun.power, forvaltning.power, region.name) == (5, 4, "Region Exempel (ny)")


def test_dry_run_saves_nothing(db):
    result = OrganizationResource().import_data(
        dataset(ORGANIZATION_COLUMNS, organization_rows(*GOOD_ORGANIZATIONS)), dry_run=True
    )
    assert not result.has_validation_errors()
    assert result.totals["new"] == 4
    assert Organization.objects.count() == 0


def test_export_then_reimport_changes_nothing(db):
    kommun = OrganizationFactory(name="Exempelby kommun", power=5)
    OrganizationFactory(name="Socialförvaltningen", org_number=None, parent=kommun)
    OrganizationFactory(name="Region Exempel", sector="region", is_active=False)
    exported = OrganizationResource().export()
    assert exported.headers == list(ORGANIZATION_COLUMNS)
    rows = {row["name"]: row for row in exported.dict}
    assert rows["Socialförvaltningen"]["parent"] == kommun.org_number
    assert rows["Socialförvaltningen"]["org_number"] == ""
    assert (rows["Region Exempel"]["sector"], rows["Region Exempel"]["is_active"]) == ("region", "0")

    history_before = Organization.history.count()
    result = OrganizationResource().import_data(tablib.Dataset().load(exported.csv, format="csv"))
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert result.totals["skip"] == 3
    assert Organization.history.count() == history_before


def test_the_demo_register_round_trips_through_export_and_import(db):
    seed_demo_register()
    history_before = Organization.history.count() + Person.history.count()
    for resource in (OrganizationResource(), PersonResource()):
        exported = resource.export()
        result = resource.import_data(tablib.Dataset().load(exported.csv, format="csv"))
        assert not result.has_errors()
        assert not result.has_validation_errors(), errors_by_row(result)
        assert result.totals["skip"] == len(exported)
    assert Organization.history.count() + Person.history.count() == history_before


def test_the_demo_register_reimports_without_ids(db):
    """A file from elsewhere has no ids: rows are recognised by org number, name and e-mail."""
    seed_demo_register()
    counts = Organization.objects.count(), Person.objects.count()
    for resource in (OrganizationResource(), PersonResource()):
        exported = resource.export()
        del exported["id"]
        result = resource.import_data(tablib.Dataset().load(exported.csv, format="csv"))
        assert not result.has_validation_errors(), errors_by_row(result)
        assert result.totals["new"] == 0
    assert (Organization.objects.count(), Person.objects.count()) == counts


def test_people_are_imported_with_their_organisation(db):
    kommun = OrganizationFactory(name="Exempelby kommun", org_number=KOMMUN_NUMBER)
    result = import_people(
        {"first_name": "Anna", "last_name": "Berg", "email": "Anna.Berg@Exempelby.se", "organization": KOMMUN_NUMBER},
        {"first_name": "Bo", "last_name": "Ek", "organization": "Exempelby kommun", "language": "EN",
         "left_on": "2024-06-30"},
    )
    assert not result.has_validation_errors(), errors_by_row(result)
    anna = Person.objects.get(first_name="Anna")
    bo = Person.objects.get(first_name="Bo")
    assert (anna.organization, anna.email, anna.language) == (kommun, "anna.berg@exempelby.se", "sv")
    assert (bo.language, bo.left_on, bo.is_active) == ("en", datetime.date(2024, 6, 30), False)


@pytest.mark.parametrize(
    ("bad_row", "field", "message"),
    [
        ({"organization": "Okänd förening"}, "organization", "No organisation has the organisation number or name"),
        ({"organization": ""}, "organization", "cannot be null"),
        ({"language": "de"}, "language", "Unknown code “de”"),
        ({"left_on": "30/02/2024"}, "left_on", ""),
        ({"email": "inte-en-adress"}, "email", "valid email"),
    ],
)
def test_one_bad_person_row_imports_no_person(db, bad_row, field, message):
    OrganizationFactory(name="Exempelby kommun", org_number=KOMMUN_NUMBER)
    good = {"first_name": "Anna", "last_name": "Berg", "organization": KOMMUN_NUMBER}
    result = import_people(good, {**good, "first_name": "Bo", **bad_row})
    errors = errors_by_row(result)
    assert list(errors) == [2]
    assert field in errors[2]
    assert message in " ".join(errors[2][field])
    assert not result.has_errors()
    assert Person.objects.count() == 0


def test_people_are_matched_by_email_and_a_duplicate_is_refused(db):
    anna = PersonFactory(email="anna.berg@exempelby.se", title="Handläggare")
    result = import_people(
        {"first_name": "Anna", "last_name": "Berg", "email": "ANNA.BERG@exempelby.se",
         "organization": anna.organization.org_number, "title": "Enhetschef"},
    )
    assert not result.has_validation_errors(), errors_by_row(result)
    anna.refresh_from_db()
    assert anna.title == "Enhetschef"
    assert Person.objects.count() == 1

    other = PersonFactory()
    result = import_people(
        {"id": str(other.pk), "first_name": "X", "last_name": "Y", "email": "anna.berg@exempelby.se",
         "organization": other.organization.org_number},
    )
    assert result.invalid_rows[0].non_field_specific_errors == ["A person with this e-mail address already exists."]


# --- the admin's import and export pages -------------------------------------------------------


def upload(columns, rows, name="organisationer.csv", content=None):
    data = content if content is not None else csv_bytes(columns, organization_rows(*rows))
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_admin_import_with_a_bad_row_shows_row_and_field_and_saves_nothing(coordinator_admin):
    rows = (
        *GOOD_ORGANIZATIONS,
        {"name": "Fel AB", "org_number": BAD_CHECK_DIGIT},
        {"name": "Fel två", "parent": "Finns inte"},
    )
    response = coordinator_admin.post(
        ORGANIZATION_IMPORT, {"resource": "0", "format": CSV_FORMAT, "import_file": upload(ORGANIZATION_COLUMNS, rows)}
    )
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    result = response.context["result"]
    assert errors_by_row(result).keys() == {5, 6}
    content = response.content.decode()
    assert "Some rows failed to validate" in content
    assert '<th scope="row">5</th>' in content
    assert '<th scope="row">6</th>' in content
    # Each error is in the table itself, not in a box that shows only on hover.
    assert "<li><strong>org_number</strong>: The organisation number&#x27;s check digit is wrong" in content
    assert "<li><strong>parent</strong>: No organisation has the organisation number or name “Finns inte”." in content
    assert "validation-error-container" not in content
    assert "row 1 is the first row below the headings" in content  # our note on the page
    assert Organization.objects.count() == 0


def test_admin_import_of_unreadable_or_unknown_references_is_never_a_500(coordinator_admin):
    for content in (b"\xff\xfe\x00garbage", b"name,parent\nEnhet,Finns inte\n", b"id,name\nabc,Fel\n"):
        response = coordinator_admin.post(
            ORGANIZATION_IMPORT,
            {"resource": "0", "format": CSV_FORMAT, "import_file": upload(None, (), content=content)},
        )
        assert response.status_code == 200
    assert Organization.objects.count() == 0


def test_admin_import_of_a_good_file_needs_confirmation_then_saves(coordinator_admin, coordinator):
    response = coordinator_admin.post(
        ORGANIZATION_IMPORT,
        {"resource": "0", "format": CSV_FORMAT, "import_file": upload(ORGANIZATION_COLUMNS, GOOD_ORGANIZATIONS)},
    )
    assert response.status_code == 200
    assert not response.context["result"].has_validation_errors()
    assert Organization.objects.count() == 0  # the preview is a dry run

    confirm = response.context["confirm_form"]
    response = coordinator_admin.post(ORGANIZATION_PROCESS_IMPORT, confirm.initial)
    assert response.status_code == 302
    assert Organization.objects.count() == 4
    kommun = Organization.objects.get(org_number=KOMMUN_NUMBER)
    assert kommun.children.count() == 2
    assert kommun.history.get().history_user == coordinator  # the change history names the importer
    assert LogEntry.objects.filter(user=coordinator).count() == 4


def test_admin_import_of_xlsx(coordinator_admin):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(ORGANIZATION_COLUMNS))
    for row in organization_rows(*GOOD_ORGANIZATIONS):
        values = [row[column] for column in ORGANIZATION_COLUMNS]
        values[ORGANIZATION_COLUMNS.index("power")] = int(row["power"])  # numbers as numbers
        sheet.append(values)
    sheet.append(["", "Stor kommun", 2120000142, "municipality", "", 5, 5, 5, "", "", "", True])
    buffer = io.BytesIO()
    workbook.save(buffer)
    file = SimpleUploadedFile("organisationer.xlsx", buffer.getvalue())
    response = coordinator_admin.post(
        ORGANIZATION_IMPORT, {"resource": "0", "format": XLSX_FORMAT, "import_file": file}
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.has_errors(), [(n, [e.error for e in errors]) for n, errors in result.row_errors()]
    assert not result.has_validation_errors(), errors_by_row(result)
    response = coordinator_admin.post(ORGANIZATION_PROCESS_IMPORT, response.context["confirm_form"].initial)
    assert response.status_code == 302
    assert Organization.objects.get(name="Stor kommun").org_number == "212000-0142"
    assert Organization.objects.count() == 5


def test_admin_person_import_reports_an_unknown_organisation(coordinator_admin):
    rows = person_rows({"first_name": "Anna", "last_name": "Berg", "organization": "Okänd"})
    file = SimpleUploadedFile("personer.csv", csv_bytes(PERSON_COLUMNS, rows))
    response = coordinator_admin.post(PERSON_IMPORT, {"resource": "0", "format": CSV_FORMAT, "import_file": file})
    assert response.status_code == 200
    assert errors_by_row(response.context["result"])[1]["organization"]
    assert Person.objects.count() == 0


def export_post(resource_name, columns, file_format):
    return {"resource": "0", "format": file_format, **{f"{resource_name}_{c}": "on" for c in columns}}


def test_admin_exports_organisations_as_csv_and_xlsx(coordinator_admin):
    kommun = OrganizationFactory(name="Exempelby kommun")
    OrganizationFactory(name="Socialförvaltningen", org_number=None, parent=kommun, power=4)

    response = coordinator_admin.post(
        ORGANIZATION_EXPORT, export_post("organizationresource", ORGANIZATION_COLUMNS, CSV_FORMAT)
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["name"] for row in rows] == ["Exempelby kommun", "Socialförvaltningen"]
    assert (rows[1]["parent"], rows[1]["power"], rows[1]["sector"]) == (kommun.org_number, "4", "municipality")

    response = coordinator_admin.post(
        ORGANIZATION_EXPORT, export_post("organizationresource", ORGANIZATION_COLUMNS, XLSX_FORMAT)
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert list(values[0]) == list(ORGANIZATION_COLUMNS)
    assert values[2][ORGANIZATION_COLUMNS.index("parent")] == kommun.org_number


def test_admin_exports_people_with_their_organisation(coordinator_admin):
    person = PersonFactory(left_on=datetime.date(2024, 6, 30))
    response = coordinator_admin.post(PERSON_EXPORT, export_post("personresource", PERSON_COLUMNS, CSV_FORMAT))
    assert response.status_code == 200
    (row,) = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    assert (row["organization"], row["left_on"], row["language"]) == (
        person.organization.org_number, "2024-06-30", "sv"
    )


def test_reader_may_export_but_not_import(client, reader):
    login(client, reader)
    OrganizationFactory()
    assert client.get(ORGANIZATION_IMPORT).status_code == 403
    assert client.post(ORGANIZATION_PROCESS_IMPORT, {}).status_code == 403
    response = client.post(ORGANIZATION_EXPORT, export_post("organizationresource", ORGANIZATION_COLUMNS, CSV_FORMAT))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 25])
def test_admin_export_queries_do_not_grow(coordinator_admin, n, django_assert_num_queries):
    for kommun in OrganizationFactory.create_batch(n):
        forvaltning = OrganizationFactory(name="Socialförvaltningen", org_number=None, parent=kommun)
        OrganizationFactory(name="Äldreomsorgen", org_number=None, parent=forvaltning)
        PersonFactory(organization=forvaltning)
    exports = (
        (ORGANIZATION_EXPORT, "organizationresource", ORGANIZATION_COLUMNS),
        (PERSON_EXPORT, "personresource", PERSON_COLUMNS),
    )
    for url, resource_name, columns in exports:
        # session, user, user permissions, group permissions, the rows with their
        # organisation/parent and grandparent (a förvaltning is written "Parent / Name")
        with django_assert_num_queries(5):
            response = coordinator_admin.post(url, export_post(resource_name, columns, CSV_FORMAT))
        assert response.status_code == 200
        assert " / Socialförvaltningen" in response.content.decode("utf-8-sig")


EXCEL_CSV_FORMAT = "2"  # csv for Excel in Swedish: UTF-8 with a byte-order mark, semicolons


def test_the_preview_marks_rows_that_change_existing_records_and_their_changed_columns(coordinator_admin):
    existing = OrganizationFactory(name="Gamla namnet AB", org_number=KOMMUN_NUMBER, power=2)
    rows = (
        {"name": "Nya namnet AB", "org_number": KOMMUN_NUMBER, "power": "2"},  # a known number: a rename
        {"name": "Helt ny förening", "power": "3"},
    )
    response = coordinator_admin.post(
        ORGANIZATION_IMPORT, {"resource": "0", "format": CSV_FORMAT, "import_file": upload(ORGANIZATION_COLUMNS, rows)}
    )
    assert response.status_code == 200
    result = response.context["result"]
    [update] = result.updates
    assert update.number == 1
    assert "name" in update.changed_columns
    assert "org_number" not in update.changed_columns
    html = response.content.decode()
    assert "1 row changes a record that exists already." in html
    assert "Row 1 changes “Gamla namnet AB”: name" in html
    assert "<strong>Changes an existing record</strong>" in html
    assert html.count('<td class="changed">') == len(update.changed_columns)
    existing.refresh_from_db()
    assert existing.name == "Gamla namnet AB"  # a preview saves nothing


def test_export_as_csv_for_excel_in_swedish_and_back(coordinator_admin):
    OrganizationFactory(name="Åsa & Örjans förening", org_number=None, power=4)
    page = coordinator_admin.get(ORGANIZATION_EXPORT).content.decode()
    assert "csv for Excel (semicolons)" in page

    response = coordinator_admin.post(
        ORGANIZATION_EXPORT, export_post("organizationresource", ORGANIZATION_COLUMNS, EXCEL_CSV_FORMAT)
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    text = response.content.decode("utf-8-sig")
    header, row, *_rest = text.splitlines()
    assert header.split(";") == list(ORGANIZATION_COLUMNS)
    assert "Åsa & Örjans förening" in row.split(";")
    # The same file imports back, changing nothing.
    imported = coordinator_admin.post(
        ORGANIZATION_IMPORT,
        {
            "resource": "0",
            "format": EXCEL_CSV_FORMAT,
            "import_file": SimpleUploadedFile("export.csv", response.content, content_type="text/csv"),
        },
    )
    assert imported.status_code == 200
    result = imported.context["result"]
    assert not result.has_validation_errors(), [row.error_dict for row in result.invalid_rows]
    assert not result.has_errors()
    assert len(result.valid_rows()) == 1
    assert [row.changed_columns for row in result.valid_rows()] == [[]]


def test_the_export_names_each_column_by_its_label_and_heading(coordinator_admin):
    page = coordinator_admin.get(ORGANIZATION_EXPORT).content.decode()
    assert "Organisation number (org_number)" in page
    assert "Org Number" not in page  # not the library's title-cased code name
