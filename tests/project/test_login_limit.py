"""Failed logins are limited per username and client address (django-axes, settings AXES_*)."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "test-password-123"  # UserFactory's


@pytest.fixture
def staff():
    return UserFactory(username="handlaggare", is_staff=True, is_superuser=True)


def log_in(client, username, password, address="192.0.2.10", url="/admin/login/"):
    client.cookies["django_language"] = "en"
    return client.post(f"{url}?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_sixth_attempt_is_refused_even_with_the_right_password(client, staff, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _attempt in range(4):
        response = log_in(client, staff.username, "wrong")
        assert response.status_code == 200
        assert not logged_in(client)
    response = log_in(client, staff.username, "wrong")  # the fifth failure locks the pair out
    assert response.status_code == 429
    response = log_in(client, staff.username, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    page = response.content.decode()
    assert "Too many failed logins for this user from your address. Try again in 15 minutes." in page
    assert response["Retry-After"] == str(15 * 60)


def test_the_lockout_is_per_username_and_address(client, staff):
    other = UserFactory(username="annan", is_staff=True)
    for _attempt in range(5):
        log_in(client, staff.username, "wrong")
    assert log_in(client, staff.username, PASSWORD).status_code == 429
    # The same account from another address, and another account from the same address, may still log in.
    assert log_in(client, staff.username, PASSWORD, address="198.51.100.7").status_code == 302
    client.logout()
    assert log_in(client, other.username, PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, staff, settings):
    for _attempt in range(5):
        log_in(client, staff.username, "wrong")
    assert log_in(client, staff.username, PASSWORD).status_code == 429
    # Travel past the cool-off: the failures now lie further back than AXES_COOLOFF_TIME.
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - settings.AXES_COOLOFF_TIME - dt.timedelta(1))
    response = log_in(client, staff.username, PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)
    assert not AccessAttempt.objects.exists()  # a successful login clears the failures


def test_an_operator_can_lift_a_lockout(client, staff):
    for _attempt in range(5):
        log_in(client, staff.username, "wrong")
    call_command("axes_reset_username", staff.username)
    assert log_in(client, staff.username, PASSWORD).status_code == 302


def test_the_api_browser_login_is_limited_too(client, staff):
    for _attempt in range(5):
        log_in(client, staff.username, "wrong", url="/api-auth/login/")
    assert log_in(client, staff.username, PASSWORD, url="/api-auth/login/").status_code == 429
    assert not logged_in(client)


def test_a_forged_forwarded_header_does_not_escape_the_lockout(client, staff):
    for attempt in range(5):
        client.post(
            "/admin/login/",
            {"username": staff.username, "password": "wrong"},
            REMOTE_ADDR="192.0.2.10",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}",
        )
    assert log_in(client, staff.username, PASSWORD).status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(client, staff, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _attempt in range(5):
        client.post(
            "/admin/login/",
            {"username": staff.username, "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
    response = client.post(
        "/admin/login/",
        {"username": staff.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.6",
    )
    assert response.status_code == 302


def test_an_odd_forwarded_address_falls_back_to_the_peer(client, staff, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    response = client.post(
        "/admin/login/",
        {"username": staff.username, "password": "wrong"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="not-an-address",
    )
    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == "10.0.0.1"


# --- password spraying (issue 13, item 9) -------------------------------------------------------------


def test_many_usernames_failing_from_one_address_lock_the_address_out(client, staff, settings):
    """One password tried on many accounts stays under the per-username limit; the address is limited too."""
    assert settings.LOGIN_ADDRESS_USERNAME_LIMIT == 10
    for n in range(9):
        assert log_in(client, f"guess{n}", "Sommar2026!").status_code == 200
    assert log_in(client, staff.username, PASSWORD).status_code == 302  # nine: still under the limit
    client.logout()
    assert log_in(client, "guess9", "Sommar2026!").status_code == 200  # the tenth username
    response = log_in(client, staff.username, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    page = response.content.decode()
    assert "Too many failed logins from your address. Try again in 15 minutes." in page
    assert response["Retry-After"] == str(15 * 60)
    assert log_in(client, staff.username, PASSWORD, url="/api-auth/login/").status_code == 429
    # Other addresses still log in.
    assert log_in(client, staff.username, PASSWORD, address="198.51.100.7").status_code == 302


def test_the_address_lockout_ends_with_the_cool_off(client, staff, settings):
    settings.LOGIN_ADDRESS_USERNAME_LIMIT = 3
    for n in range(3):
        log_in(client, f"guess{n}", "wrong")
    assert log_in(client, staff.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - settings.AXES_COOLOFF_TIME - dt.timedelta(1))
    assert log_in(client, staff.username, PASSWORD).status_code == 302
