"""/healthz: for a load balancer or a monitor, no login."""

from datetime import timedelta

import pytest
from django.db.utils import OperationalError
from django.utils import timezone

from scheduling.models import SchedulerProcess

pytestmark = pytest.mark.django_db


def test_it_is_healthy_while_a_scheduler_beats(client):
    leader = SchedulerProcess.objects.create(host="box", pid=1, is_leader=True)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "scheduler": "alive",
        "last_beat": leader.last_beat.isoformat(),
    }


def test_it_is_unhealthy_without_a_scheduler(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "scheduler": "down", "last_beat": None}


def test_a_scheduler_whose_heartbeat_is_stale_counts_as_down(client):
    SchedulerProcess.objects.create(
        host="box", pid=1, is_leader=True, last_beat=timezone.now() - timedelta(minutes=2)
    )
    assert client.get("/healthz").status_code == 503


def test_a_standby_or_stopped_scheduler_does_not_count(client):
    SchedulerProcess.objects.create(host="box", pid=1, is_leader=False)
    SchedulerProcess.objects.create(host="box", pid=2, is_leader=True, stopped_at=timezone.now())
    assert client.get("/healthz").json()["scheduler"] == "down"


def test_a_database_failure_is_unhealthy_and_names_only_the_error_type(client, monkeypatch):
    def refuse(cls, within_seconds=30):
        raise OperationalError("password authentication failed for user secret")

    monkeypatch.setattr(SchedulerProcess, "alive_leader", classmethod(refuse))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"
    assert "secret" not in response.content.decode()


def test_it_needs_no_login_and_is_never_cached(client):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
