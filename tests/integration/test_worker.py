from django.core.management import call_command
from django.utils import translation

from ops.tasks import probe
from tests.factories import OrganizationFactory


def test_worker_on_redis_reaches_the_test_database(start_worker):
    OrganizationFactory.create_batch(3)
    start_worker()
    result = probe.delay().get(timeout=30)
    assert result == {"database": "up", "organizations": 3}


def test_check_worker_command_reports_the_answer(start_worker, capsys):
    OrganizationFactory()
    start_worker()
    with translation.override("en"):
        call_command("check_worker", timeout=30)
    assert "Worker answered: database up, 1 organisations." in capsys.readouterr().out


def test_healthz_with_real_redis_is_up(client, integration_services, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == "up"
