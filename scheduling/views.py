"""The few pages of our own outside the admin."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from scheduling.models import SchedulerProcess


@never_cache
def healthz(request):
    """200 when the database answers and a scheduler is alive, 503 otherwise."""
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
    return JsonResponse(body, status=200 if leader else 503)
