"""The jobs page's "Send test notification" button: one message to every NOTIFY_URLS entry,
and the outcome in words (delivered, or why not). POST with CSRF, and it needs
scheduling.control_jobs like the other buttons that act."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse

from scheduling import notify

CONTROL_PERMISSION = "scheduling.control_jobs"


def send_test_notification(request):
    if not request.user.has_perm(CONTROL_PERMISSION):
        raise PermissionDenied("Sending a test notification needs “Can control jobs”.")
    ok, words = notify.send_test(f"Sent by {request.user.get_username()} from the jobs page.")
    messages.add_message(request, messages.SUCCESS if ok else messages.ERROR, words)
    return HttpResponseRedirect(reverse("admin:scheduling_jobcontrol_changelist"))
