import pytest
from django.db import OperationalError

from samverkan_project.celery import app as celery_app


@pytest.fixture
def broker_url():
    previous = celery_app.conf.broker_url, celery_app.conf.broker_write_url

    def set_url(url):
        celery_app.conf.broker_url = celery_app.conf.broker_write_url = url

    yield set_url
    celery_app.conf.broker_url, celery_app.conf.broker_write_url = previous


@pytest.mark.django_db
def test_healthz_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up", "broker": "up"}


@pytest.mark.django_db
def test_healthz_503_when_broker_is_unreachable(client, broker_url):
    broker_url("redis://127.0.0.1:1/0")  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "up", "broker": "down"}


@pytest.mark.django_db
def test_healthz_503_when_database_fails(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_healthz_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405
