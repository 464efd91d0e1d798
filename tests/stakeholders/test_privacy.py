"""Privacy (GDPR): export, anonymisation down to every table (history included), the doors to them
(admin, API, command) with their permissions, and the retention job with its schedule."""

import datetime as dt
import json
from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from agreements.choices import AnchoringKind, Mandate
from agreements.models import Agreement, Anchoring, Representative, Responsibility
from agreements.services import agreement_activate, agreement_terminate, person_hand_over
from assessments import results
from assessments.choices import RoundStatus
from assessments.instruments import SAMVERKANSMODELLEN
from assessments.models import Answer, AssessmentRound, Instrument, Respondent
from assessments.tokens import new_nonce, token_digest, token_for
from risks.models import ReportDelivery, RiskFlag
from risks.reports import delivery_send, reports_claim
from risks.scans import scan_now
from risks.services import flag_acknowledge
from stakeholders import privacy
from stakeholders.models import Person
from stakeholders.tasks import privacy_retention as privacy_retention_task
from tests.factories import (
    AgreementFactory,
    AnchoringFactory,
    OrganizationFactory,
    PartyFactory,
    PersonFactory,
    RepresentativeFactory,
    ResponsibilityFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FIRST, LAST, EMAIL = "Zebulon", "Quintavalle", "zebulon.q@example.se"
OTHER_FIRST, OTHER_LAST, OTHER_EMAIL = "Ottoline", "Brackenridge", "ottoline.b@example.se"


# --- building a person who has been everywhere -------------------------------------------------


def make_round(agreement, *, closed_at=None, closes_on=None) -> AssessmentRound:
    closed_at = closed_at or timezone.now()
    closes_on = closes_on or timezone.localdate(closed_at)
    return AssessmentRound.objects.create(
        agreement=agreement,
        instrument=Instrument.objects.get(code=SAMVERKANSMODELLEN, version=1),
        opens_on=closes_on - dt.timedelta(days=14),
        closes_on=closes_on,
        status=RoundStatus.CLOSED,
        opened_at=closed_at - dt.timedelta(days=14),
        closed_at=closed_at,
    )


def respond(round_, person, values, *, comment="") -> Respondent:
    """``person`` answers every scored item in position order with ``values``; ``comment`` goes on each item."""
    nonce = new_nonce()
    respondent = Respondent.objects.create(
        round=round_, person=person, nonce=nonce, token_digest=token_digest(token_for(nonce)), invited_at=timezone.now()
    )
    items = list(round_.instrument.items.order_by("position"))
    scored = iter(values)
    Answer.objects.bulk_create(
        Answer(respondent=respondent, item=item, value=next(scored) if item.is_scored else None, comment=comment)
        for item in items
    )
    respondent.responded_at = timezone.now()
    respondent.save(update_fields=["responded_at"])
    return respondent


def build_world(coordinator_user) -> dict:
    """Zebulon holds every kind of role in a closed agreement (kept) and in an active one (handed over
    after a risk scan and a report), answered an assessment with a comment, and has a login."""
    org_a, org_b = OrganizationFactory(name="Kommun A"), OrganizationFactory(name="Region B")
    login = UserFactory(username=EMAIL, first_name=FIRST, last_name=LAST, email=EMAIL)
    zeb = PersonFactory(
        first_name=FIRST, last_name=LAST, email=EMAIL, phone="070-999 88 77", organization=org_a, user=login
    )
    other = PersonFactory(first_name=OTHER_FIRST, last_name=OTHER_LAST, email=OTHER_EMAIL, organization=org_b)
    successor = PersonFactory(organization=org_a)

    # A closed agreement: Zebulon's roles there stay with him (the hand-over leaves closed agreements alone).
    closed = AgreementFactory(coordinator=zeb, title="Stängd överenskommelse")
    party_a, party_b = (
        PartyFactory(agreement=closed, organization=org_a),
        PartyFactory(agreement=closed, organization=org_b),
    )
    RepresentativeFactory(party=party_a, person=zeb, is_primary=True)
    RepresentativeFactory(party=party_b, person=other, is_primary=True)
    ResponsibilityFactory(agreement=closed, title="Samordning", responsible=zeb, deputy=other)
    ResponsibilityFactory(agreement=closed, title="Uppföljning", responsible=other, deputy=zeb)
    AnchoringFactory(
        party=party_a, kind=AnchoringKind.SPONSOR, person=zeb, date=None, note=f"Förankrat av {FIRST} {LAST}"
    )
    AnchoringFactory(party=party_b)
    agreement_activate(agreement=closed)
    agreement_terminate(agreement=closed, reason="Avslutad")

    # An active agreement: flagged by a scan, reported to its coordinator, then handed over.
    active = AgreementFactory(coordinator=zeb, title="Aktiv överenskommelse")
    open_a, open_b = (
        PartyFactory(agreement=active, organization=org_a),
        PartyFactory(agreement=active, organization=org_b),
    )
    RepresentativeFactory(party=open_a, person=zeb, mandate=Mandate.DECIDE)
    RepresentativeFactory(party=open_b, person=other)
    ResponsibilityFactory(agreement=active, title="Ekonomi", responsible=zeb)  # no deputy: flagged
    AnchoringFactory(party=open_a, kind=AnchoringKind.SPONSOR, person=zeb, date=None)
    agreement_activate(agreement=active)
    scan_now()
    flag = RiskFlag.objects.filter(person=zeb).first()
    flag_acknowledge(flag=flag, by=coordinator_user, note=f"Pratat med {FIRST} {LAST} ({EMAIL})")
    reports_claim()
    delivery = ReportDelivery.objects.get(person=zeb)
    delivery_send(delivery_id=delivery.pk)

    round_ = make_round(active)
    respondent = respond(round_, zeb, [7, 8, 5, 6, 10, 4], comment="Bra dialog men för lite tid")
    Respondent.objects.filter(pk=respondent.pk).update(last_error=f"SMTPRecipientsRefused: {{'{EMAIL}': (550, '')}}")
    respond(round_, other, [3, 6, 5, 10, 9, 0], comment="Tydliga mål")

    person_hand_over(person=zeb, successor=successor)
    LogEntry.objects.log_actions(
        coordinator_user.pk, [Person.objects.get(pk=zeb.pk)], CHANGE, change_message=f"Ändrade e-post {EMAIL}"
    )
    return {
        "zeb": Person.objects.get(pk=zeb.pk),
        "other": other,
        "successor": successor,
        "login": login,
        "closed": closed,
        "active": active,
        "round": round_,
    }


@pytest.fixture
def world(coordinator):
    return build_world(coordinator)


def occurrences(*needles: str) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every text or JSON column of every table holding one of ``needles``,
    checked in Python on the stored values (history tables, logins and logs included)."""
    found = []
    folded = [needle.casefold() for needle in needles]
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        fields = [
            f for f in opts.concrete_fields if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not fields:
            continue
        for values in model._base_manager.values_list(*[f.attname for f in fields]):
            for field, value in zip(fields, values, strict=True):
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                for needle in folded:
                    if needle in (text or "").casefold():
                        found.append((opts.db_table, field.attname, needle))
    return found


# --- export --------------------------------------------------------------------------------------


def test_export_contains_every_kind_of_data_and_nothing_about_another_person(world):
    zeb = world["zeb"]
    data = privacy.person_export(zeb)
    text = json.dumps(data, ensure_ascii=False)
    json.loads(text)  # JSON all the way down

    assert data["person"]["email"] == EMAIL
    assert data["person"]["first_name"] == FIRST
    assert data["person"]["phone"] == "+46709998877"  # 070-999 88 77, stored as E.164
    assert data["person"]["is_anonymised"] is False
    assert data["organization"]["name"] == "Kommun A"
    assert data["login"]["username"] == EMAIL
    assert data["login"]["email"] == EMAIL
    assert [r["agreement_title"] for r in data["representations"]] == ["Stängd överenskommelse"]
    assert [r["title"] for r in data["responsibilities"]] == ["Samordning"]
    assert [r["title"] for r in data["deputyships"]] == ["Uppföljning"]
    assert [s["agreement_title"] for s in data["sponsorships"]] == ["Stängd överenskommelse"]
    assert [a["title"] for a in data["coordinated_agreements"]] == ["Stängd överenskommelse"]
    assert len(data["history"]) >= 2
    assert any(f"{FIRST} {LAST}" in (h["history_change_reason"] or "") for h in data["history"])
    roles_held = {row["role"] for row in data["role_history"]}
    assert roles_held == {"representative", "responsible", "deputy", "sponsor", "coordinator"}
    assert any(row["agreement_id"] == world["active"].pk for row in data["role_history"])  # handed over, still there
    assert data["risk_flags"]
    assert all(flag["message"] for flag in data["risk_flags"])
    [invitation] = data["assessment_invitations"]
    assert invitation["agreement_title"] == "Aktiv överenskommelse"
    assert [a["value"] for a in invitation["answers"] if a["value"] is not None] == [7, 8, 5, 6, 10, 4]
    assert "Bra dialog men för lite tid" in text
    assert [d["email"] for d in data["report_deliveries"]] == [EMAIL]
    assert data["admin_log"]
    assert data["answers_included"] is True

    for foreign in (OTHER_FIRST, OTHER_LAST, OTHER_EMAIL, world["successor"].email, "Tydliga mål"):
        assert foreign not in text


def test_export_without_answers_leaves_them_out(world):
    data = privacy.person_export(world["zeb"], include_answers=False)
    assert data["answers_included"] is False
    assert data["assessment_invitations"][0]["answers"] is None
    assert "Bra dialog" not in json.dumps(data, ensure_ascii=False)


def person_with_roles(n: int) -> Person:
    org = OrganizationFactory()
    person = PersonFactory(organization=org, user=UserFactory())
    for index in range(n):
        agreement = AgreementFactory(coordinator=person)
        party = PartyFactory(agreement=agreement, organization=org)
        RepresentativeFactory(party=party, person=person)
        ResponsibilityFactory(agreement=agreement, responsible=person)
        ResponsibilityFactory(agreement=agreement, responsible=PersonFactory(organization=org), deputy=person)
        AnchoringFactory(party=party, kind=AnchoringKind.SPONSOR, person=person, date=None)
        respond(make_round(agreement), person, [5] * 6, comment=f"kommentar {index}")
        person.phone = f"+4670174060{index}"
        person.save()
    return person


def test_export_queries_do_not_grow(django_assert_num_queries):
    one, many = person_with_roles(1), person_with_roles(4)
    with CaptureQueriesContext(connection) as small:
        privacy.person_export(one)
    # person+organisation+login+legacy token, login's groups, representations, responsibilities, deputyships,
    # sponsorships, coordinated agreements, history, its addresses, 5 role histories, risk flags, invitations,
    # their answers, report deliveries, report subscription, API tokens, 3 kinds of access records, admin log;
    # employment periods, interactions and their organisations, follow-ups, commitments responsible for
    with django_assert_num_queries(len(small.captured_queries)):
        data = privacy.person_export(many)
    assert len(small.captured_queries) <= 30
    assert len(data["representations"]) == 4
    assert len(data["assessment_invitations"]) == 4


# --- anonymisation -------------------------------------------------------------------------------


def test_anonymise_leaves_the_name_and_email_in_no_table_and_keeps_the_roles(world, coordinator):
    zeb = world["zeb"]
    before = occurrences(FIRST, LAST, EMAIL)
    tables = {table for table, _column, _needle in before}
    # The test only means something if the data really was spread around.
    assert {
        "stakeholders_person",
        "stakeholders_historicalperson",
        "auth_user",
        "agreements_historicalresponsibility",  # the hand-over's change reason
        "agreements_anchoring",
        "agreements_historicalanchoring",
        "assessments_reportdelivery",
        "assessments_riskflag",
        "assessments_respondent",
        "django_admin_log",
    } <= tables

    person = privacy.person_anonymise(zeb, user=coordinator)

    assert occurrences(FIRST, LAST, EMAIL, "070-999 88 77") == []
    first, last = privacy.pseudonym(zeb.pk)
    assert (person.first_name, person.last_name, person.email, person.phone, person.user_id) == (
        first,
        last,
        "",
        "",
        None,
    )
    assert privacy.is_anonymised(Person.objects.get(pk=zeb.pk))
    # Roles stay attached to the pseudonymous person, in the rows and in their history.
    assert Representative.objects.filter(person=zeb).count() == 1
    assert Responsibility.objects.filter(responsible=zeb).count() == 1
    assert Responsibility.objects.filter(deputy=zeb).count() == 1
    assert Anchoring.objects.filter(person=zeb).count() == 1
    assert Agreement.objects.filter(coordinator=zeb).count() == 1
    assert Responsibility.history.filter(responsible_id=zeb.pk, agreement_id=world["active"].pk).exists()
    assert RiskFlag.objects.filter(person=zeb).exists()
    # The answers stay as numbers, without the comment.
    respondent = Respondent.objects.get(person=zeb)
    assert sorted(v for v in respondent.answers.values_list("value", flat=True) if v is not None) == [4, 5, 6, 7, 8, 10]
    assert set(respondent.answers.values_list("comment", flat=True)) == {""}
    assert Answer.objects.filter(comment="Tydliga mål").exists()  # someone else's comment stays
    # The latest history row says what happened, without the old values; the login is closed.
    latest = Person.history.filter(id=zeb.pk).latest("history_date", "history_id")
    assert latest.history_change_reason
    assert latest.history_user_id == coordinator.pk
    login = type(world["login"]).objects.get(pk=world["login"].pk)
    assert not login.is_active
    assert not login.has_usable_password()
    assert login.email == ""
    # Other people are untouched.
    other = Person.objects.get(pk=world["other"].pk)
    assert (other.first_name, other.email) == (OTHER_FIRST, OTHER_EMAIL)
    assert occurrences(OTHER_EMAIL)


def test_anonymise_twice_changes_nothing_more(world):
    privacy.person_anonymise(world["zeb"])
    rows = Person.history.filter(id=world["zeb"].pk).count()
    again = privacy.person_anonymise(world["zeb"])
    assert again.anonymisation.already is True
    assert Person.history.filter(id=world["zeb"].pk).count() == rows


def test_anonymising_closes_unanswered_invitations_to_running_rounds():
    person = PersonFactory()
    running = make_round(AgreementFactory())
    AssessmentRound.objects.filter(pk=running.pk).update(status=RoundStatus.OPEN, closed_at=None)
    nonce = new_nonce()
    Respondent.objects.create(round=running, person=person, nonce=nonce, token_digest=token_digest(token_for(nonce)))
    answered = respond(make_round(AgreementFactory()), person, [5] * 6)

    privacy.person_anonymise(person)

    assert list(Respondent.objects.filter(person=person)) == [answered]


def test_a_coordinator_cannot_anonymise_themselves(coordinator):
    person = PersonFactory(user=coordinator)
    with pytest.raises(privacy.ValidationError):
        privacy.person_anonymise(person, user=coordinator)
    assert Person.objects.get(pk=person.pk).email == person.email


def test_the_pseudonym_is_stable_and_recognised_in_either_language(settings):
    person = PersonFactory()
    privacy.person_anonymise(person)
    person.refresh_from_db()
    assert (person.first_name, person.last_name) == privacy.pseudonym(person.pk)
    assert Person.objects.filter(privacy.anonymised_q()).get() == person
    assert not Person.objects.filter(privacy.anonymised_q()).exclude(pk=person.pk).exists()


# --- API -----------------------------------------------------------------------------------------


def test_api_export_needs_view_permission_and_hides_answers_from_readers(world, reader_api, client_as, no_perm_user):
    url = f"/api/v1/persons/{world['zeb'].pk}/export/"
    response = reader_api.get(url)
    assert response.status_code == 200
    assert response.json()["person"]["email"] == EMAIL
    assert response.json()["answers_included"] is False
    assert client_as(no_perm_user).get(url).status_code == 403


def test_api_export_for_coordinators_includes_answers(world, coordinator_api):
    response = coordinator_api.get(f"/api/v1/persons/{world['zeb'].pk}/export/")
    assert response.status_code == 200
    assert response.json()["answers_included"] is True
    assert coordinator_api.get("/api/v1/persons/999999/export/").status_code == 404


def test_api_export_needs_a_login(world, api_client):
    assert api_client.get(f"/api/v1/persons/{world['zeb'].pk}/export/").status_code in (401, 403)


def test_api_anonymise_needs_change_permission_and_is_idempotent(world, client_as, reader, coordinator):
    url = f"/api/v1/persons/{world['zeb'].pk}/anonymise/"
    assert client_as(reader).post(url).status_code == 403
    assert Person.objects.get(pk=world["zeb"].pk).email == EMAIL

    coordinator_api = client_as(coordinator)
    response = coordinator_api.post(url)
    assert response.status_code == 200
    body = response.json()
    assert body["already_anonymised"] is False
    assert body["login_closed"] is True
    assert body["history_rows"] >= 2
    assert body["person"]["email"] == ""
    assert body["person"]["first_name"] == privacy.pseudonym(world["zeb"].pk)[0]

    again = coordinator_api.post(url)
    assert again.status_code == 200
    assert again.json()["already_anonymised"] is True


def test_api_refuses_anonymising_oneself(coordinator, coordinator_api):
    person = PersonFactory(user=coordinator)
    response = coordinator_api.post(f"/api/v1/persons/{person.pk}/anonymise/")
    assert response.status_code == 400


# --- admin ---------------------------------------------------------------------------------------

CHANGELIST = "/admin/stakeholders/person/"


def test_admin_export_downloads_json_for_the_selected_people(world, client, reader):
    client.force_login(reader)
    pks = [world["zeb"].pk, world["other"].pk]
    response = client.post(CHANGELIST, {"action": "export_personal_data", "_selected_action": pks})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    people = json.loads(response.content)["people"]
    assert {p["person"]["email"] for p in people} == {EMAIL, OTHER_EMAIL}
    assert all(p["answers_included"] is False for p in people)  # a reader does not see individual answers


def test_admin_anonymise_asks_first_then_anonymises(world, coordinator_client):
    pk = world["zeb"].pk
    data = {"action": "anonymise_people", "_selected_action": [pk]}
    confirm = coordinator_client.post(CHANGELIST, data)
    assert confirm.status_code == 200
    assert f"{FIRST} {LAST}" in confirm.content.decode()
    assert Person.objects.get(pk=pk).email == EMAIL

    done = coordinator_client.post(CHANGELIST, {**data, "post": "yes"})
    assert done.status_code == 302
    assert privacy.is_anonymised(Person.objects.get(pk=pk))


def test_admin_reader_cannot_anonymise(world, client, reader):
    client.force_login(reader)
    pk = world["zeb"].pk
    client.post(CHANGELIST, {"action": "anonymise_people", "_selected_action": [pk], "post": "yes"})
    assert Person.objects.get(pk=pk).email == EMAIL


# --- command -------------------------------------------------------------------------------------


def test_command_exports_to_stdout_and_to_a_file(world, tmp_path):
    out = StringIO()
    call_command("person_data", "export", str(world["zeb"].pk), stdout=out)
    assert json.loads(out.getvalue())["person"]["email"] == EMAIL

    target = tmp_path / "zeb.json"
    out = StringIO()
    call_command("person_data", "export", str(world["zeb"].pk), "--output", str(target), stdout=out)
    assert json.loads(target.read_text(encoding="utf-8"))["person"]["last_name"] == LAST
    assert str(target) in out.getvalue()


def test_command_anonymises_and_reports_unknown_ids(world):
    out = StringIO()
    call_command("person_data", "anonymise", str(world["zeb"].pk), stdout=out)
    assert str(world["zeb"].pk) in out.getvalue()
    assert privacy.is_anonymised(Person.objects.get(pk=world["zeb"].pk))
    with pytest.raises(CommandError, match="999999"):
        call_command("person_data", "anonymise", "999999")
    with pytest.raises(CommandError, match="999999"):
        call_command("person_data", "export", "999999")


# --- retention -----------------------------------------------------------------------------------


def test_retention_anonymises_only_people_who_left_more_than_the_period_ago(settings, today):
    assert settings.PRIVACY_ANONYMISE_AFTER_MONTHS == 24
    long_gone = PersonFactory(left_on=today - relativedelta(months=25))
    recent = PersonFactory(left_on=today - relativedelta(months=23))
    staying = PersonFactory()
    ResponsibilityFactory(responsible=long_gone)

    summary = privacy.privacy_retention(today=today)

    assert summary.anonymised == 1
    assert summary.failed == 0
    assert privacy.is_anonymised(Person.objects.get(pk=long_gone.pk))
    assert Responsibility.objects.filter(responsible=long_gone).exists()
    for person in (recent, staying):
        assert Person.objects.get(pk=person.pk).email == person.email
    assert privacy.privacy_retention(today=today).anonymised == 0  # safe to run twice


def test_retention_period_is_configurable(settings, today):
    settings.PRIVACY_ANONYMISE_AFTER_MONTHS = 6
    person = PersonFactory(left_on=today - relativedelta(months=7))
    privacy.privacy_retention(today=today)
    assert privacy.is_anonymised(Person.objects.get(pk=person.pk))


def numbers(result: dict) -> dict:
    """The figures of a round's results (not its free text)."""
    return {key: result[key] for key in ("invited", "answered", "response_rate", "items", "sections", "total")}


def test_retention_strips_old_rounds_and_keeps_their_figures(settings, today):
    assert settings.ASSESSMENT_ANSWER_RETENTION_MONTHS == 36
    agreement = AgreementFactory()
    old = make_round(agreement, closed_at=timezone.now() - relativedelta(months=37))
    newer = make_round(agreement, closed_at=timezone.now() - relativedelta(months=35))
    for round_ in (old, newer):
        respond(round_, PersonFactory(), [7, 8, 5, 6, 10, 4], comment="Bra")
        respond(round_, PersonFactory(), [3, 6, 5, 10, 9, 0], comment="Sämre")
    figures_before = numbers(results.round_results(results.round_for_results(old.pk)))

    summary = privacy.privacy_retention(today=today)

    assert (summary.rounds, summary.respondents_unlinked) == (1, 2)
    assert summary.comments_removed > 0
    assert not Respondent.objects.filter(round=old, person__isnull=False).exists()
    assert not Answer.objects.filter(respondent__round=old).exclude(comment="").exists()
    assert Respondent.objects.filter(round=newer, person__isnull=False).count() == 2
    assert Answer.objects.filter(respondent__round=newer, comment="Bra").exists()
    after = results.round_results(results.round_for_results(old.pk))
    assert numbers(after) == figures_before
    assert after["free_text"] == []
    assert privacy.privacy_retention(today=today).rounds == 0


def test_retention_task_and_command_run_the_job(today):
    person = PersonFactory(left_on=today - relativedelta(months=30))
    assert "1" in privacy_retention_task.delay().get()
    assert privacy.is_anonymised(Person.objects.get(pk=person.pk))
    out = StringIO()
    call_command("person_data", "retention", "--today", today.isoformat(), stdout=out)
    assert out.getvalue().strip()


def test_retention_runs_every_night_at_three():
    task = PeriodicTask.objects.get(task="stakeholders.privacy_retention")
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("0", "3", "*")
    assert str(task.crontab.timezone) == "Europe/Stockholm"


def test_reader_has_no_change_permission_on_people(reader):
    assert reader.has_perm("stakeholders.view_person")
    assert not reader.has_perm("stakeholders.change_person")
    assert not Permission.objects.filter(group__user=reader, codename="view_answer").exists()


def test_anonymising_revokes_the_persons_api_tokens(coordinator):
    from integrations.services import api_token_create

    person = PersonFactory(user=UserFactory())
    token, _key = api_token_create(user=person.user, name="BI", read_only=True, by=person.user)
    privacy.person_anonymise(person, user=coordinator)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not token.is_usable()


# --- traces beyond the register's own columns (issue 13, item 6) ---------------------------------

PHONE = "070-999 88 77"
# The same number as people write it elsewhere; each must go.
PHONE_SPELLINGS = ("0709998877", "+46 70 999 88 77", "+46 (0)70-999 88 77", "0046 709 99 88 77", "070.999.88.77")
USERNAME, LOGIN_EMAIL, BROWSER = "zquinta", "zq.login@example.se", "ZebBrowser/7.1"


def failed_logins(client, username: str, address: str = "192.0.2.44") -> None:
    """Two failed admin logins for ``username`` from ``address`` in a recognisable browser (django-axes)."""
    for _attempt in range(2):
        client.post(
            "/admin/login/?next=/admin/",
            {"username": username, "password": "wrong"},
            REMOTE_ADDR=address,
            HTTP_USER_AGENT=BROWSER,
        )


def digits_only(text: str) -> str:
    return "".join(character for character in text if character.isdigit())


def phone_occurrences(national_digits: str = "709998877") -> list[tuple[str, str]]:
    """(table, column) for every text or JSON column holding the number in any spelling (its digits in a row
    once separators and the country code are dropped)."""
    found = []
    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        fields = [
            f for f in opts.concrete_fields if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        for values in model._base_manager.values_list(*[f.attname for f in fields]) if fields else ():
            for field, value in zip(fields, values, strict=True):
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                if national_digits in digits_only(text or ""):
                    found.append((opts.db_table, field.attname))
    return found


@pytest.fixture
def traced(world, client, settings):
    """The world, plus Zebulon's number, name variants and login written where people write them: a role
    description (and so its history), an anchoring note, another respondent's comment; failed logins (with
    django-axes' optional log of each failure switched on, so both of its tables hold them)."""
    settings.AXES_ENABLE_ACCESS_FAILURE_LOG = True
    zeb, other = world["zeb"], world["other"]
    login = world["login"]
    login.username, login.email = USERNAME, LOGIN_EMAIL
    login.save()
    role = Responsibility.objects.get(agreement=world["closed"], responsible=other)
    role.description = f"Frågor till {PHONE_SPELLINGS[0]} eller {PHONE_SPELLINGS[1]} (Quintavalle, Zebulon)"
    role.save()
    note = Anchoring.objects.get(person=zeb, agreement=world["closed"])
    note.note = f"Z. Quintavalle har lovat; ring {PHONE_SPELLINGS[2]}. Inloggning {USERNAME}."
    note.save()
    Answer.objects.filter(respondent__person=other, comment="Tydliga mål").update(
        comment=f"Tydliga mål. Fråga Quintavalle Zebulon på {PHONE_SPELLINGS[3]} eller {PHONE_SPELLINGS[4]}"
    )
    flag = RiskFlag.objects.filter(person=zeb).first()
    RiskFlag.objects.filter(pk=flag.pk).update(details={**flag.details, "contact": PHONE_SPELLINGS[1]})
    failed_logins(client, USERNAME)
    failed_logins(client, EMAIL)
    return world


def test_anonymising_through_the_api_scrubs_phone_spellings_name_variants_and_the_login_everywhere(
    traced, coordinator_api
):
    from axes.models import AccessAttempt, AccessFailureLog

    zeb = traced["zeb"]
    # The traces are really there, in the rows and in the history.
    spread = {table for table, _column in phone_occurrences()}
    assert {
        "stakeholders_person",
        "stakeholders_historicalperson",
        "agreements_responsibility",
        "agreements_historicalresponsibility",
        "agreements_anchoring",
        "assessments_answer",
        "assessments_riskflag",  # in its JSON details
    } <= spread
    assert {table for table, _column, _needle in occurrences(USERNAME, BROWSER)} >= {
        "axes_accessattempt",
        "axes_accessfailurelog",
    }
    assert AccessAttempt.objects.filter(username=USERNAME, ip_address="192.0.2.44").exists()

    response = coordinator_api.post(f"/api/v1/persons/{zeb.pk}/anonymise/")
    assert response.status_code == 200

    assert phone_occurrences() == []
    assert occurrences(FIRST, LAST, EMAIL, LOGIN_EMAIL, USERNAME, BROWSER) == []
    assert not AccessAttempt.objects.filter(ip_address="192.0.2.44").exists()
    assert not AccessFailureLog.objects.filter(ip_address="192.0.2.44").exists()
    # The rest of the texts stays readable, the variants become the pseudonym.
    pseudonym = " ".join(privacy.pseudonym(zeb.pk))
    role = Responsibility.objects.get(agreement=traced["closed"], responsible=traced["other"])
    assert role.description.startswith("Frågor till ")
    assert pseudonym in role.description
    comments = set(Answer.objects.filter(respondent__person=traced["other"]).values_list("comment", flat=True))
    [comment] = comments
    assert comment.startswith(f"Tydliga mål. Fråga {pseudonym} på ")
    assert OTHER_EMAIL in Person.objects.get(pk=traced["other"].pk).email


def test_a_number_another_person_shares_stays_with_them():
    """A switchboard number several people give is not one person's: it stays with the others."""
    switchboard = "08-508 000 00"
    leaving = PersonFactory(phone=switchboard)
    colleague = PersonFactory(phone="+46 8 508 000 00")
    own = PersonFactory(first_name="Egen", phone="070-123 45 67")
    ResponsibilityFactory(responsible=colleague, description="Växel 08-508 000 00, direkt 0701234567")

    privacy.person_anonymise(leaving)
    privacy.person_anonymise(own)

    assert Person.objects.get(pk=colleague.pk).phone == "+46850800000"  # stored in E.164
    assert Responsibility.objects.get(responsible=colleague).description.startswith("Växel 08-508 000 00, direkt ")
    assert "0701234567" not in Responsibility.objects.get(responsible=colleague).description


def test_export_includes_the_logins_tokens_subscription_deliveries_and_access_records(traced):
    from rest_framework.authtoken.models import Token

    from integrations.services import api_token_create
    from risks.choices import DeliveryStatus, ReportKind
    from risks.models import RiskReportSubscription

    login = traced["login"]
    token, key = api_token_create(user=login, name="BI-rapporter", read_only=True, by=login)  # their own
    legacy = Token.objects.create(user=login)
    RiskReportSubscription.objects.create(user=login, language="en")
    now = timezone.now()
    ReportDelivery.objects.create(
        report=ReportKind.PORTFOLIO,
        period_start=timezone.localdate(),
        recipient_key=f"user:{login.pk}",
        user=login,
        email=LOGIN_EMAIL,
        status=DeliveryStatus.SENT,
        since=now - dt.timedelta(days=7),
        until=now,
        subject="Riskrapport",
        sent_at=now,
    )

    data = privacy.person_export(traced["zeb"])
    text = json.dumps(data, ensure_ascii=False)

    assert [(t["name"], t["read_only"], t["revoked_at"]) for t in data["api_tokens"]] == [("BI-rapporter", True, None)]
    assert data["api_tokens"][0]["key_begins_with"] == token.prefix
    assert data["login"]["legacy_api_tokens"] == [{"created": legacy.created.isoformat()}]
    for secret in (key, token.key_digest, legacy.key):  # never the secrets
        assert secret not in text
    assert [(s["language"], s["is_active"]) for s in data["report_subscriptions"]] == [("en", True)]
    assert {d["email"] for d in data["report_deliveries"]} == {EMAIL, LOGIN_EMAIL}
    records = data["access_records"]
    failures = [r for r in records["failed_logins"] if r["username"] == USERNAME]
    assert failures
    assert all(r["ip_address"] == "192.0.2.44" and r["user_agent"] == BROWSER for r in failures)
    assert {r["username"] for r in records["failed_logins"]} == {USERNAME, EMAIL}
    assert {r["username"] for r in records["login_attempts"]} == {USERNAME, EMAIL}
    assert "logins" in records


def test_login_records_naming_the_person_are_deleted_not_rewritten():
    """Two attempts under two spellings of the name would collide on axes' unique (username, address, browser)
    if both became the pseudonym; they are the person's, so they go."""
    from axes.models import AccessAttempt

    person = PersonFactory(first_name=FIRST, last_name=LAST)

    def attempt(username):
        return AccessAttempt.objects.create(
            username=username,
            ip_address="192.0.2.9",
            user_agent=BROWSER,
            get_data="",
            post_data=f"username={username}",
            http_accept="*/*",
            path_info="/admin/login/",
            failures_since_start=1,
        )

    attempt(f"{FIRST} {LAST}")
    attempt(f"{LAST}, {FIRST}")
    kept = attempt("someone.else")

    privacy.person_anonymise(person)

    assert list(AccessAttempt.objects.all()) == [kept]


def test_a_username_that_is_only_a_name_leaves_namesakes_alone_but_not_the_admin_log(coordinator):
    login = UserFactory(username=LAST.lower())
    person = PersonFactory(first_name=FIRST, last_name=LAST, user=login)
    namesake = PersonFactory(first_name="Ada", last_name=LAST)
    LogEntry.objects.log_actions(coordinator.pk, [login], CHANGE, change_message="[]")

    privacy.person_anonymise(person, user=coordinator)

    entry = LogEntry.objects.get(content_type__model="user", object_id=str(login.pk))
    assert entry.object_repr == f"anonymised-{login.pk}"
    assert Person.objects.get(pk=namesake.pk).last_name == LAST


def test_an_address_someone_else_has_now_stays_theirs():
    """A shared mailbox, or an address handed on to a successor, belongs to whoever has it now."""
    leaving = PersonFactory(email="registrator@kommun.example.se")
    Person.objects.filter(pk=leaving.pk).update(email="")  # the mailbox passed on
    successor = PersonFactory(email="registrator@kommun.example.se")
    leaving.refresh_from_db()
    note = AnchoringFactory(note="Frågor till registrator@kommun.example.se")

    privacy.person_anonymise(Person.objects.get(pk=leaving.pk))

    assert Person.objects.get(pk=successor.pk).email == "registrator@kommun.example.se"
    assert Anchoring.objects.get(pk=note.pk).note == "Frågor till registrator@kommun.example.se"


def test_a_pseudonym_longer_than_the_name_still_fits_its_column():
    """Erasure never fails on a column's limit: the scrubbed text is cut to fit (a 255-character title)."""
    person = PersonFactory(first_name="Li", last_name="Wu")
    agreement = AgreementFactory(title="A" * 248 + " Li Wu")

    privacy.person_anonymise(person)

    title = Agreement.objects.get(pk=agreement.pk).title
    assert "Li Wu" not in title
    assert len(title) <= Agreement._meta.get_field("title").max_length
    assert title.startswith("A" * 248 + " Anony")  # the pseudonym, cut to fit
