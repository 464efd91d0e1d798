"""Periodic tasks in the admin (ops/admin.py): coordinators change schedules and switch jobs on or off; which
task runs and with which arguments is for superusers."""

import json

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from tests.admin_forms import post_data_from
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RETENTION = "stakeholders.privacy_retention"


@pytest.fixture
def retention():
    return PeriodicTask.objects.get(task=RETENTION)  # created by stakeholders 0004


def change_url(task):
    return f"/admin/django_celery_beat/periodictask/{task.pk}/change/"


def test_a_coordinator_cannot_change_the_task_or_its_arguments(coordinator_client, retention):
    page = coordinator_client.get(change_url(retention))
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert not {"task", "regtask", "args", "kwargs", "queue", "headers", "name"} & set(form.fields)
    # A browser (or a hand-made POST) sending them anyway changes nothing.
    data = post_data_from(
        page,
        task="stakeholders.privacy_retention",
        regtask="risks.scan_run",
        args=json.dumps(["2999-01-01"]),
        kwargs=json.dumps({"today": "2999-01-01"}),
        queue="elsewhere",
        name="Renamed",
    )
    response = coordinator_client.post(change_url(retention), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    retention.refresh_from_db()
    assert retention.task == RETENTION
    assert json.loads(retention.args) == []
    assert json.loads(retention.kwargs) == {}
    assert retention.queue is None
    assert retention.name != "Renamed"


def test_a_coordinator_changes_the_schedule_and_switches_the_job_off(coordinator_client, retention):
    weekly = CrontabSchedule.objects.create(minute="0", hour="4", day_of_week="0", timezone="Europe/Stockholm")
    page = coordinator_client.get(change_url(retention))
    data = post_data_from(page, crontab=str(weekly.pk), enabled=False, description="Söndagar kl. 4")
    response = coordinator_client.post(change_url(retention), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    retention.refresh_from_db()
    assert retention.crontab == weekly
    assert not retention.enabled
    assert retention.description == "Söndagar kl. 4"
    assert retention.task == RETENTION


def test_a_coordinator_cannot_add_or_delete_jobs(coordinator_client, retention):
    assert coordinator_client.get("/admin/django_celery_beat/periodictask/add/").status_code == 403
    response = coordinator_client.post(
        "/admin/django_celery_beat/periodictask/add/",
        {
            "name": "Everyone",
            "task": RETENTION,
            "args": '["2999-01-01"]',
            "kwargs": "{}",
            "crontab": retention.crontab_id,
        },
    )
    assert response.status_code == 403
    delete = f"/admin/django_celery_beat/periodictask/{retention.pk}/delete/"
    assert coordinator_client.post(delete, {"post": "yes"}).status_code == 403
    assert PeriodicTask.objects.filter(task=RETENTION).count() == 1
    # The list's actions switch jobs on and off.
    response = coordinator_client.post(
        "/admin/django_celery_beat/periodictask/",
        {"action": "disable_tasks", "_selected_action": [retention.pk]},
    )
    assert response.status_code == 302
    retention.refresh_from_db()
    assert not retention.enabled
    changelist = coordinator_client.get("/admin/django_celery_beat/periodictask/")
    actions = [name for name, _label in changelist.context["action_form"].fields["action"].choices]
    assert "disable_tasks" in actions
    assert "delete_selected" not in actions


def test_a_superuser_still_chooses_the_task_and_its_arguments(client, retention):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(change_url(retention))
    assert {"regtask", "task", "args", "kwargs"} <= set(page.context["adminform"].form.fields)
    data = post_data_from(page, args=json.dumps(["2024-01-01"]))
    response = client.post(change_url(retention), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    retention.refresh_from_db()
    assert json.loads(retention.args) == ["2024-01-01"]
    assert client.get("/admin/django_celery_beat/periodictask/add/").status_code == 200


def test_the_retention_job_refuses_a_day_in_the_future():
    """Defence in depth: even a superuser's schedule cannot make the job anonymise people ahead of time."""
    from stakeholders.tasks import privacy_retention
    from tests.factories import PersonFactory

    person = PersonFactory(left_on="2020-01-01")
    with pytest.raises(ValueError, match="future"):
        privacy_retention(today="2999-01-01")
    person.refresh_from_db()
    assert person.email  # not anonymised


def test_the_shipped_jobs_have_swedish_names():
    names = dict(PeriodicTask.objects.values_list("task", "name"))
    assert names[RETENTION] == "Gallring av personuppgifter (dagligen)"
    assert names["assessments.risk_scan_scheduled"] == "Risksökning (varje natt)"
    assert PeriodicTask.objects.get(task=RETENTION).description.startswith("Anonymiserar personer")


def test_a_schedule_in_words_follows_the_admin_language():
    from django.utils import translation

    from ops.admin import crontab_description

    mondays = CrontabSchedule(minute="30", hour="6", day_of_week="1", timezone="Europe/Stockholm")
    with translation.override("sv"):
        swedish = crontab_description(mondays)
    with translation.override("en"):
        english = crontab_description(mondays)
    assert "06:30" in swedish
    assert "måndag" in swedish
    assert "Monday" not in swedish
    assert "Monday" in english
    assert swedish.endswith("(Europe/Stockholm)")


def test_the_job_page_shows_the_schedule_in_words_and_the_task_in_swedish(client, retention):
    user = UserFactory(username="root-sv", is_staff=True, is_superuser=True)
    client.force_login(user)
    page = client.get(change_url(retention), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Schemat i ord" in page
    assert "Vid 03:00 (Europe/Stockholm)" in page
    assert "Crontab translation" not in page
