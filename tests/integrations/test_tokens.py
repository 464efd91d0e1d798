import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from integrations.models import ApiToken
from integrations.services import api_token_create, api_token_revoke, key_digest
from samverkan_project.ratelimit import fallback_cache
from stakeholders.models import Organization
from stakeholders.roles import COORDINATORS, READERS
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    fallback_cache.clear()
    yield
    cache.clear()
    fallback_cache.clear()


def with_token(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    return api_client


def integration_account(username="e-tjanst", group=COORDINATORS):
    """An account for a machine: no password, no admin access."""
    user = UserFactory(username=username, password=None)
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=group))
    return user


def test_create_api_token_prints_the_key_once_and_stores_only_its_digest():
    account = integration_account("intranat", READERS)
    out, err = StringIO(), StringIO()
    call_command("create_api_token", account.username, "--read-only", "--name", "Intranät", stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert key.startswith("svk_")
    assert len(key) > 40
    assert token.key_digest == key_digest(key)
    assert key not in token.key_digest
    assert token.prefix == key[:8]
    assert token.read_only
    assert token.name == "Intranät"
    assert token.user == account
    assert "copy the key now" in err.getvalue().lower() or "kopiera" in err.getvalue().lower()
    assert not any(key in str(value) for value in ApiToken.objects.values_list(flat=False).get())


def test_create_api_token_creates_an_integration_account_in_a_group():
    out = StringIO()
    call_command(
        "create_api_token", "bi-system", "--create-account", "--group", READERS, "--expires-in-days", "30", stdout=out
    )
    token = ApiToken.objects.select_related("user").get()
    assert token.user.username == "bi-system"
    assert not token.user.has_usable_password()
    assert not token.user.is_staff
    assert list(token.user.groups.values_list("name", flat=True)) == [READERS]
    assert not token.read_only
    assert timezone.now() + dt.timedelta(days=29) < token.expires_at <= timezone.now() + dt.timedelta(days=30)


def test_create_api_token_refuses_unknown_accounts_and_groups(coordinator):
    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("create_api_token", coordinator.username, "--group", "Okänd", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_a_read_only_token_reads_but_never_writes_whatever_its_account_may_do(api_client, coordinator):
    organization = OrganizationFactory()
    _token, key = api_token_create(user=coordinator, name="BI", read_only=True, by=coordinator)
    client = with_token(api_client, key)
    assert client.get("/api/v1/organizations/").status_code == 200
    assert client.options("/api/v1/organizations/").status_code == 200
    for method, url in [
        ("post", "/api/v1/organizations/"),
        ("patch", f"/api/v1/organizations/{organization.pk}/"),
        ("delete", f"/api/v1/organizations/{organization.pk}/"),
        ("post", "/api/v1/risk-scans/"),
    ]:
        response = getattr(client, method)(url, {"name": "X"})
        assert response.status_code == 403, (method, url)
        assert response.json() == {
            "detail": "This API token may only read (GET, HEAD, OPTIONS); ask for a token that may write."
        }
    assert Organization.objects.get().name == organization.name


def test_a_full_token_writes_with_its_accounts_permissions(api_client, coordinator, reader):
    _token, key = api_token_create(user=coordinator, name="E-tjänst", read_only=False, by=coordinator)
    response = with_token(api_client, key).post(
        "/api/v1/organizations/", {"name": "Nya förvaltningen", "sector": "municipality"}
    )
    assert response.status_code == 201, response.json()
    _token, reader_key = api_token_create(user=reader, name="BI", read_only=False, by=reader)
    assert with_token(api_client, reader_key).post("/api/v1/organizations/", {"name": "X"}).status_code == 403


def test_last_use_is_noted_at_most_once_a_minute(api_client, reader, django_assert_num_queries):
    token, key = api_token_create(user=reader, name="BI", by=reader)
    client = with_token(api_client, key)
    assert client.get("/api/v1/organizations/").status_code == 200
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    client.get("/api/v1/organizations/")
    token.refresh_from_db()
    assert token.last_used_at == first_use


@pytest.mark.parametrize("state", ["revoked", "expired", "inactive account"])
def test_revoked_expired_or_inactive_tokens_are_refused(api_client, reader, state):
    token, key = api_token_create(user=reader, name="BI", by=reader)
    if state == "revoked":
        api_token_revoke(token=token)
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    else:
        reader.is_active = False
        reader.save()
    response = with_token(api_client, key).get("/api/v1/organizations/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_older_drf_tokens_still_work_with_their_accounts_permissions(api_client, reader):
    key = Token.objects.create(user=reader).key
    client = with_token(api_client, key)
    assert client.get("/api/v1/organizations/").status_code == 200
    assert client.post("/api/v1/organizations/", {"name": "X"}).status_code == 403


def test_many_unknown_tokens_from_one_client_are_refused_for_a_while(api_client, reader, settings):
    settings.API_TOKEN_FAILURE_LIMIT = 3
    _token, key = api_token_create(user=reader, name="BI", by=reader)
    for attempt in range(3):
        assert with_token(api_client, f"svk_guess{attempt}").get("/api/v1/organizations/").status_code == 401
    response = with_token(api_client, "svk_guess4").get("/api/v1/organizations/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == settings.API_TOKEN_FAILURE_WINDOW
    assert response.json()["detail"].startswith("Too many requests with an unknown or invalid token.")
    # A valid token from the same client still gets in: only failures are refused (issue 13, item 9).
    assert with_token(api_client, key).get("/api/v1/organizations/").status_code == 200
    # Another client is not affected; the limit ends with its window.
    assert with_token(api_client, "svk_guess5").get("/api/v1/organizations/", REMOTE_ADDR="10.0.0.9").status_code == 401
    cache.clear()
    assert with_token(api_client, "svk_guess6").get("/api/v1/organizations/").status_code == 401


def test_a_forged_forwarded_header_does_not_escape_the_limit(api_client, settings):
    settings.API_TOKEN_FAILURE_LIMIT = 2
    for attempt in range(3):
        response = with_token(api_client, "wrong").get(
            "/api/v1/organizations/", HTTP_X_FORWARDED_FOR=f"10.1.1.{attempt}"
        )
    assert response.status_code == 429


def test_behind_proxies_a_short_forwarded_header_does_not_escape_the_limit(api_client, settings):
    """With fewer X-Forwarded-For entries than trusted proxies the peer counts, as for logins and answer links;
    the client's own left-most entry never does."""
    settings.TRUSTED_PROXY_COUNT = 2
    settings.API_TOKEN_FAILURE_LIMIT = 2
    for attempt in range(3):
        response = with_token(api_client, "wrong").get(
            "/api/v1/organizations/", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}", REMOTE_ADDR="10.0.0.1"
        )
    assert response.status_code == 429


def test_an_unreachable_cache_never_turns_token_checks_into_errors_nor_lifts_the_limit(api_client, reader, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    settings.API_TOKEN_FAILURE_LIMIT = 2
    _token, key = api_token_create(user=reader, name="BI", by=reader)
    assert with_token(api_client, "wrong").get("/api/v1/organizations/").status_code == 401
    assert with_token(api_client, key).get("/api/v1/organizations/").status_code == 200
    assert with_token(api_client, "wrong").get("/api/v1/organizations/").status_code == 401
    # Counted in this process meanwhile: the limit still holds.
    assert with_token(api_client, "wrong").get("/api/v1/organizations/").status_code == 429
    assert with_token(api_client, key).get("/api/v1/organizations/").status_code == 200


# --- admin --------------------------------------------------------------------------------------


def test_the_admin_issues_a_token_and_shows_the_key_once(coordinator_client):
    account = integration_account("diariet", READERS)
    response = coordinator_client.post(
        "/admin/integrations/apitoken/add/", {"user": account.pk, "name": "Diariet", "read_only": "on"}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    key = response.context["key"]
    assert token.key_digest == key_digest(key)
    assert token.read_only
    assert token.created_by.username == "samordnare"
    assert key in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    page = coordinator_client.get(f"/admin/integrations/apitoken/{token.pk}/change/")
    assert page.status_code == 200
    assert key not in page.content.decode()


def test_a_coordinator_cannot_issue_a_token_reaching_further_than_themselves(coordinator_client):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    response = coordinator_client.post("/admin/integrations/apitoken/add/", {"user": admin.pk, "name": "X"})
    assert response.status_code == 200
    assert "adminform" in response.context
    assert response.context["adminform"].form.errors["user"]
    assert not ApiToken.objects.exists()


def test_the_admin_revokes_tokens(coordinator_client, reader, api_client):
    token, key = api_token_create(user=reader, name="BI", by=reader)
    response = coordinator_client.post(
        "/admin/integrations/apitoken/", {"action": "revoke_tokens", "_selected_action": [token.pk]}, follow=True
    )
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.is_revoked
    assert with_token(api_client, key).get("/api/v1/organizations/").status_code == 401


def test_readers_do_not_see_api_tokens(client, reader):
    client.force_login(reader)
    assert client.get("/admin/integrations/apitoken/").status_code == 403
    assert not Group.objects.get(name=READERS).permissions.filter(content_type__app_label="integrations").exists()
    assert Group.objects.get(name=COORDINATORS).permissions.filter(codename="add_apitoken").exists()


def test_nor_for_an_integration_account_that_may_do_more(coordinator_client):
    from django.contrib.auth.models import Permission

    account = integration_account()
    account.user_permissions.add(Permission.objects.get(codename="change_user"))
    response = coordinator_client.post("/admin/integrations/apitoken/add/", {"user": account.pk, "name": "X"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"] == [
        "Du kan inte utfärda en token för ett konto som får göra mer än du."
    ]
    assert not ApiToken.objects.exists()


# --- acting as someone else (issue 13, item 4) -----------------------------------------------------


def colleague():
    """Another coordinator: a person's login, with a password and admin access."""
    user = UserFactory(username="kollega", is_staff=True)
    user.groups.add(Group.objects.get(name=COORDINATORS))
    return user


def test_a_coordinator_cannot_issue_a_token_for_a_colleague(coordinator_client, coordinator):
    other = colleague()
    coordinator_client.cookies["django_language"] = "en"
    response = coordinator_client.post(
        "/admin/integrations/apitoken/add/", {"user": other.pk, "name": "Kollegans token"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"] == [
        "A token can only be issued for yourself or for an integration account (no password, no admin access)."
    ]
    assert not ApiToken.objects.exists()
    # The same rule whichever door: the service and the command.
    with pytest.raises(ValidationError) as refused:
        api_token_create(user=other, name="X", read_only=False, by=coordinator)
    assert "user" in refused.value.message_dict
    with pytest.raises(CommandError, match="integration account"):
        call_command("create_api_token", other.username, stdout=StringIO(), stderr=StringIO())
    # An account with a password but no admin access is a person's login too (the API's browser login).
    person_login = UserFactory(username="handlaggare")
    with pytest.raises(ValidationError):
        api_token_create(user=person_login, name="X", by=coordinator)
    assert not ApiToken.objects.exists()


def test_a_coordinator_issues_tokens_for_themselves_and_for_integration_accounts(coordinator_client, coordinator):
    account = integration_account()
    for user in (coordinator, account):
        response = coordinator_client.post(
            "/admin/integrations/apitoken/add/", {"user": user.pk, "name": f"för {user.username}"}
        )
        assert response.status_code == 200
        assert "key" in response.context, response.context["adminform"].form.errors
    assert set(ApiToken.objects.values_list("user__username", "created_by__username")) == {
        ("samordnare", "samordnare"),
        ("e-tjanst", "samordnare"),
    }


def test_a_token_issued_earlier_for_a_colleague_is_no_longer_accepted(api_client, coordinator):
    other = colleague()
    key = "svk_issued-before-the-rule-existed-0123456789abcdefg"
    ApiToken.objects.create(
        user=other, name="Old", prefix=key[:8], key_digest=key_digest(key), read_only=False, created_by=coordinator
    )
    response = with_token(api_client, key).get("/api/v1/organizations/")
    assert response.status_code == 401
    assert response.json()["detail"] == (
        "This token was issued by someone else for a personal login and is not accepted."
    )


def test_a_write_with_a_token_names_the_token_and_its_issuer_in_the_history(
    api_client, coordinator_client, coordinator
):
    from integrations.models import ApiTokenWrite

    account = integration_account()
    token, key = api_token_create(user=account, name="E-tjänsteplattform", read_only=False, by=coordinator)
    client = with_token(api_client, key)
    created = client.post("/api/v1/organizations/", {"name": "Regionen", "sector": "region"})
    assert created.status_code == 201, created.json()
    organization_id = created.json()["id"]
    assert client.patch(f"/api/v1/organizations/{organization_id}/", {"power": 4}).status_code == 200
    rows = list(Organization.history.filter(id=organization_id).order_by("history_date"))
    assert [row.history_user for row in rows] == [account, account]  # the account the token acts as
    writes = ApiTokenWrite.objects.filter(history_id__in=[row.pk for row in rows]).select_related("token")
    assert {(write.token, write.issued_by, write.token_prefix) for write in writes} == {
        (token, coordinator, token.prefix)
    }
    assert writes.count() == 2
    # A change in the admin is the coordinator's own, with no token.
    organization = Organization.objects.get(pk=organization_id)
    organization.name = "Region Öst"
    organization.save()
    # The history page shows, for coordinators, which token made a change and who issued it.
    page = coordinator_client.get(f"/admin/stakeholders/organization/{organization_id}/history/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<th scope="col">API-token</th>' in html
    assert html.count(f"API-token «E-tjänsteplattform» ({token.prefix}…), utfärdad av samordnare") == 2
    # Without any token write on the page, no such column.
    plain = OrganizationFactory()
    plain_page = coordinator_client.get(f"/admin/stakeholders/organization/{plain.pk}/history/").content.decode()
    assert '<th scope="col">API-token</th>' not in plain_page


def test_a_write_in_a_session_or_with_an_older_drf_token_gets_no_token_note(api_client, coordinator):
    from integrations.models import ApiTokenWrite

    api_client.force_login(coordinator)
    assert api_client.post("/api/v1/organizations/", {"name": "Kommunen", "sector": "municipality"}).status_code == 201
    assert not ApiTokenWrite.objects.exists()
