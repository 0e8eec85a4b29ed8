"""/api/status: read-only JSON for dashboards, behind a key staff create in the admin."""

import pytest
from lxml import html as lxml_html

from scheduling.models import ApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def key():
    row = ApiKey(name="Homepage")
    secret = row.generate()
    row.save()
    return secret


def test_it_refuses_without_a_key(client):
    response = client.get("/api/status")

    assert response.status_code == 401
    assert "X-Api-Key" in response.json()["error"]


def test_it_refuses_a_wrong_key(client, key):
    assert client.get("/api/status", HTTP_X_API_KEY=key + "x").status_code == 401


def test_it_answers_health_jobs_and_library_with_a_key(client, key):
    response = client.get("/api/status", HTTP_X_API_KEY=key)

    assert response.status_code == 200
    body = response.json()
    assert {"database", "scheduler", "mam"} <= {check["service"] for check in body["health"]}
    assert "mam_scraping" in {job["name"] for job in body["jobs"]}
    assert body["library"]["books_total"] == 0


def test_a_bearer_token_works_too(client, key):
    assert client.get("/api/status", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_only_the_hash_of_a_key_is_stored(key):
    row = ApiKey.objects.get()
    assert key not in (row.key_hash, row.prefix) and row.key_hash == ApiKey.digest(key)


def test_staff_see_a_new_key_once_when_they_create_it(admin_client):
    response = admin_client.post("/admin/scheduling/apikey/add/", {"name": "Uptime Kuma"})

    shown = lxml_html.fromstring(response.content).get_element_by_id("new-api-key").text
    assert ApiKey.objects.get(name="Uptime Kuma").key_hash == ApiKey.digest(shown)
    assert shown not in admin_client.get("/admin/scheduling/apikey/").content.decode()


def test_healthz_tells_staff_each_check_and_the_public_only_the_summary(client, admin_client):
    public = client.get("/healthz").json()
    staff = admin_client.get("/healthz").json()

    assert "checks" not in public
    assert "mam" in {check["service"] for check in staff["checks"]}
