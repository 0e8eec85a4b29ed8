"""The few pages of our own outside the admin."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache

from scheduling import health
from scheduling.models import ApiKey, SchedulerProcess
from scheduling.overview import job_overviews


@never_cache
def healthz(request):
    """200 when the database answers and a scheduler is alive, 503 otherwise.

    Staff (logged in) get each check's state too; the public answer says no more than
    whether the site works."""
    body = {"database": "ok", "scheduler": "down", "last_beat": None}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        leader = SchedulerProcess.alive_leader()
    except Exception as error:  # any database failure is "not healthy", with its type only
        body["database"] = f"error: {type(error).__name__}"
        return JsonResponse(body, status=503)
    if leader:
        body["scheduler"] = "alive"
        body["last_beat"] = leader.last_beat.isoformat()
    if request.user.is_authenticated and request.user.is_staff:
        body["checks"] = [status.as_json() for status in health.statuses()]
    return JsonResponse(body, status=200 if leader else 503)


@never_cache
def api_status(request):
    """Read-only JSON for dashboards, behind an API key (X-Api-Key or Authorization: Bearer)."""
    key = request.headers.get("X-Api-Key") or _bearer(request.headers.get("Authorization", ""))
    if ApiKey.find(key.strip()) is None:
        return JsonResponse(
            {
                "error": "an API key is needed: create one in the admin (API keys), send it as "
                "the X-Api-Key header"
            },
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="api/status"'},
        )
    statuses = health.statuses()
    body = {
        "healthy": not health.needing_attention(statuses),
        "health": [status.as_json() for status in statuses],
        "jobs": [overview.as_json() for overview in job_overviews(next_count=1)],
    }
    for name, dotted in settings.STATUS_SECTIONS.items():
        body[name] = import_string(dotted)()
    return JsonResponse(body)


def _bearer(header):
    scheme, _, value = header.partition(" ")
    return value if scheme.lower() == "bearer" else ""
