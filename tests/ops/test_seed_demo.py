import datetime as dt
from collections import Counter
from dataclasses import replace
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from ops.demo import register as demo
from ops.demo.datafiles import DemoDataError
from stakeholders.choices import Language, Quadrant, Sector
from stakeholders.models import Organization, Person, quadrant_for
from stakeholders.validators import normalize_org_number

pytestmark = pytest.mark.django_db


def history_counts() -> tuple[int, int]:
    return Organization.history.count(), Person.history.count()


def run_command() -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


REGISTER = demo.load_register()


def with_broken_person(monkeypatch, index: int) -> None:
    """Make the data file's person at ``index`` one the services refuse (an invalid e-mail address)."""
    people = list(REGISTER.people)
    people[index] = replace(people[index], email="not-an-address")
    monkeypatch.setattr(demo, "load_register", lambda: replace(REGISTER, people=tuple(people)))


def write_register(tmp_path, text: str):
    (tmp_path / "register.toml").write_text(text, encoding="utf-8")
    return tmp_path


ORGANIZATION = """
[[organization]]
key = "kommun"
name = "Exempelby kommun"
sector = "municipality"
org_number = "212000-0142"
power = 3
interest = 3
resource_level = 3
"""


# --- the declared data ---------------------------------------------------------------------------


def test_seed_keys_and_emails_are_unique_and_references_resolve():
    keys = [seed.key for seed in REGISTER.organizations]
    emails = [seed.email for seed in REGISTER.people]
    assert len(set(keys)) == len(keys)
    assert len(set(emails)) == len(emails)
    declared = set()
    for seed in REGISTER.organizations:
        # a parent is declared before its children, so seeding can resolve it
        assert seed.parent is None or seed.parent in declared, seed.key
        declared.add(seed.key)
    assert {seed.organization for seed in REGISTER.people} <= declared


def test_seed_data_is_stored_in_normal_form():
    # Otherwise every run would "update" the rows to their normalised form.
    for seed in REGISTER.organizations:
        if seed.org_number:
            assert normalize_org_number(seed.org_number) == seed.org_number
    for seed in REGISTER.people:
        assert seed.email == seed.email.strip().lower()
        assert seed.email.endswith(".example.se"), "demo e-mail addresses stay on fictional domains"


def test_the_data_file_is_read_into_typed_seeds():
    region = REGISTER.organizations[0]
    assert (region.key, region.sector, region.org_number) == ("region", Sector.REGION, "232100-0909")
    assert isinstance(region.sector, Sector)
    assert REGISTER.organizations[1].parent == "region"
    elin = next(seed for seed in REGISTER.people if seed.email.startswith("elin.mattsson@"))
    assert (elin.organization, elin.left_on) == ("idrott", dt.date(2025, 6, 30))
    assert {seed.language for seed in REGISTER.people} == {Language.SWEDISH, Language.ENGLISH}


# --- malformed data files: a clear error naming the entry -------------------------------------------


def test_an_unknown_parent_is_a_clear_error(tmp_path):
    data_dir = write_register(
        tmp_path,
        ORGANIZATION
        + """
[[organization]]
key = "social"
name = "Socialförvaltningen"
sector = "municipality"
parent = "kommunen"
power = 3
interest = 3
resource_level = 3
""",
    )
    with pytest.raises(DemoDataError, match="organisation 'social': parent 'kommunen' is not an organisation declared"):
        demo.load_register(data_dir)


def test_a_misspelt_field_is_a_clear_error(tmp_path):
    data_dir = write_register(
        tmp_path, ORGANIZATION + 'people = [{ email = "a@b.example.se", first_name = "A", surname = "B", title = "C" }]'
    )
    with pytest.raises(DemoDataError) as error:
        demo.load_register(data_dir)
    message = str(error.value)
    assert "person 'a@b.example.se' of 'kommun'" in message
    assert "unknown field(s) surname" in message


def test_a_value_of_the_wrong_kind_is_a_clear_error(tmp_path):
    with pytest.raises(DemoDataError, match="organisation 'kommun': power: '3' is not a whole number"):
        demo.load_register(write_register(tmp_path, ORGANIZATION.replace("power = 3", 'power = "3"')))
    with pytest.raises(DemoDataError, match="left_on: '2025-06-30' is not a date such as 2025-06-30"):
        demo.load_register(
            write_register(
                tmp_path,
                ORGANIZATION + 'people = [{ email = "a@b.example.se", first_name = "A", last_name = "B", '
                'title = "C", left_on = "2025-06-30" }]',
            )
        )
    with pytest.raises(DemoDataError, match="organization follow"):
        demo.load_register(
            write_register(
                tmp_path,
                ORGANIZATION + 'people = [{ email = "a@b.example.se", first_name = "A", last_name = "B", '
                'title = "C", organization = "region" }]',
            )
        )


def test_an_unknown_choice_or_a_wrong_check_digit_is_a_clear_error(tmp_path):
    with pytest.raises(DemoDataError, match="sector: 'kommun' is not one of 'municipality', 'region'"):
        demo.load_register(write_register(tmp_path, ORGANIZATION.replace('"municipality"', '"kommun"')))
    with (
        translation.override("en"),
        pytest.raises(DemoDataError, match="org_number: The organisation number's check digit is wrong"),
    ):
        demo.load_register(write_register(tmp_path, ORGANIZATION.replace("0142", "0143")))


def test_a_file_that_is_not_toml_is_a_clear_error(tmp_path):
    with pytest.raises(DemoDataError, match=r"register\.toml: .*line 2"):
        demo.load_register(write_register(tmp_path, '[[organization]]\nkey = "unterminated\n'))


# --- seeding -------------------------------------------------------------------------------------


def test_seeding_creates_the_register():
    summary = demo.seed_demo_register()

    assert Organization.objects.count() == len(REGISTER.organizations) == 19
    assert Person.objects.count() == len(REGISTER.people) == 40
    assert summary.counts[Organization].created == 19
    assert summary.counts[Person].created == 40
    assert summary.changed

    sectors = Counter(Organization.objects.filter(parent__isnull=True).values_list("sector", flat=True))
    assert sectors[Sector.REGION] == 1
    assert sectors[Sector.MUNICIPALITY] == 3
    assert sectors[Sector.ACADEMIA] == 1
    assert sectors[Sector.STATE_AGENCY] == 1
    assert 2 <= sectors[Sector.BUSINESS] <= 3
    assert 2 <= sectors[Sector.CIVIL_SOCIETY] <= 3

    region = Organization.objects.get(sector=Sector.REGION, parent__isnull=True)
    assert region.children.count() == 2
    for municipality in Organization.objects.filter(sector=Sector.MUNICIPALITY, parent__isnull=True):
        assert 1 <= municipality.children.count() <= 2, municipality.name
        # a förvaltning shares its municipality's organisation number, so it has none of its own
        assert all(child.org_number is None for child in municipality.children.all())
        assert municipality.org_number.startswith("212000-")


def test_seeded_rows_pass_full_validation():
    demo.seed_demo_register()
    for organization in Organization.objects.all():
        organization.full_clean()
        if organization.org_number:
            assert normalize_org_number(organization.org_number) == organization.org_number
    for person in Person.objects.all():
        person.full_clean()


def test_seeded_grid_populates_all_four_quadrants():
    demo.seed_demo_register()
    quadrants = Counter(quadrant_for(o.power, o.interest, 3) for o in Organization.objects.all())
    assert set(quadrants) == set(Quadrant)


def test_seeded_people_include_english_speakers_and_people_who_left():
    demo.seed_demo_register()
    today = timezone.localdate()
    departed = Person.objects.departed()
    assert departed.count() == 2
    assert all(person.left_on < today and not person.is_active for person in departed)
    assert Person.objects.active().count() == 38
    assert Person.objects.filter(language=Language.ENGLISH).count() >= 2
    assert all(person.title for person in Person.objects.all())


def test_second_run_changes_nothing():
    demo.seed_demo_register()
    rows = Organization.objects.count(), Person.objects.count()
    history = history_counts()
    stamps = list(Organization.objects.order_by("pk").values_list("updated_at", flat=True))

    summary = demo.seed_demo_register()

    assert (Organization.objects.count(), Person.objects.count()) == rows
    assert history_counts() == history
    assert list(Organization.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps
    assert not summary.changed
    assert summary.counts[Organization].unchanged == 19
    assert summary.counts[Person].unchanged == 40
    assert summary.counts[Organization].created == summary.counts[Organization].updated == 0
    assert summary.counts[Person].created == summary.counts[Person].updated == 0


def test_rerun_restores_edited_rows_and_records_only_those_changes():
    demo.seed_demo_register()
    municipality = Organization.objects.get(name="Ådala kommun")
    Organization.objects.filter(pk=municipality.pk).update(power=1)
    Person.objects.filter(email="erik.lund@bjorkby.example.se").update(title="Något annat")
    history = history_counts()

    summary = demo.seed_demo_register()

    assert summary.counts[Organization].updated == 1
    assert summary.counts[Organization].unchanged == 18
    assert summary.counts[Person].updated == 1
    assert history_counts() == (history[0] + 1, history[1] + 1)
    municipality.refresh_from_db()
    assert municipality.power == 5
    assert Person.objects.get(email="erik.lund@bjorkby.example.se").title == "Utvecklingsledare"


def test_people_are_found_by_email_whatever_its_case():
    demo.seed_demo_register()
    Person.objects.filter(email="erik.lund@bjorkby.example.se").update(email="Erik.Lund@Bjorkby.example.se")

    summary = demo.seed_demo_register()

    assert Person.objects.count() == 40
    assert summary.counts[Person].updated == 1
    assert Person.objects.filter(email="erik.lund@bjorkby.example.se").exists()


def test_seeding_is_one_transaction(monkeypatch):
    with_broken_person(monkeypatch, -1)

    with pytest.raises(ValidationError):
        demo.seed_demo_register()

    assert Organization.objects.count() == 0
    assert Person.objects.count() == 0


# --- the command ---------------------------------------------------------------------------------


def test_command_prints_its_summary():
    first = run_command()
    assert "Organisations: 19 created, 0 updated, 0 unchanged." in first
    assert "People: 40 created, 0 updated, 0 unchanged." in first
    assert "The demo register is loaded." in first

    second = run_command()
    assert "Organisations: 0 created, 0 updated, 19 unchanged." in second
    assert "People: 0 created, 0 updated, 40 unchanged." in second
    assert "nothing changed" in second


def test_command_reports_refused_data_as_a_command_error(monkeypatch):
    with_broken_person(monkeypatch, 0)

    with pytest.raises(CommandError, match="nothing was saved"):
        run_command()
    assert Organization.objects.count() == 0


def test_command_reports_a_malformed_data_file_as_a_command_error(monkeypatch, tmp_path):
    data_dir = write_register(tmp_path, ORGANIZATION.replace("power = 3", 'power = 3\nsize = "large"'))
    load_register = demo.load_register
    monkeypatch.setattr(demo, "load_register", lambda: load_register(data_dir))

    with pytest.raises(CommandError, match="nothing was saved: register.toml, organisation 'kommun': unknown field"):
        run_command()
    assert Organization.objects.count() == 0
