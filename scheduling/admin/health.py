"""The Health page (every check, with its Test button), the Test action, and the README.

The Test button makes one harmless request to the service (scheduling.health.test) inside
the request: one call, with the client's own timeout, like the notification test. The README
is served to staff so that each problem can link to the section that explains its setting.
"""

from pathlib import Path

import markdown
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from scheduling import health
from scheduling.admin.display import ReadOnlyAdmin
from scheduling.models import ServiceCheck

README = Path(settings.BASE_DIR) / "README.md"


@admin.register(ServiceCheck)
class ServiceCheckAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """One page at the changelist URL; rows are written by health.record(), never by hand."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("", wrap(self.changelist_view), name=f"{prefix}_changelist"),
            path("test/<str:service>/", wrap(self.test_view), name=f"{prefix}_test"),
            path("readme/", wrap(self.readme_view), name=f"{prefix}_readme"),
        ]

    def _context(self, request, title):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "subtitle": None,
        }

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self._context(request, "Health"),
            "statuses": health.statuses(),
            "can_test": True,
        }
        return TemplateResponse(request, "admin/scheduling/servicecheck/health.html", context)

    def test_view(self, request, service):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return require_POST(self._test)(request, service)

    def _test(self, request, service):
        try:
            status = health.test(service)
        except KeyError:
            raise Http404(f"No health check is called {service!r}.") from None
        level = messages.SUCCESS if status.state == health.OK else messages.WARNING
        self.message_user(request, f"{status.check.title}: {status.summary}", level)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = reverse("admin:index")
        return HttpResponseRedirect(back)

    def readme_view(self, request):
        """For any staff member (admin_view checks that): the dashboard links here."""
        html = markdown.markdown(
            README.read_text(encoding="utf-8"),
            extensions=["toc", "tables", "fenced_code"],
            extension_configs={"toc": {"slugify": github_slug}},
        )
        context = {**self._context(request, "README"), "readme": mark_safe(html)}
        return TemplateResponse(request, "admin/scheduling/servicecheck/readme.html", context)


def github_slug(value, separator):
    """Anchors as GitHub makes them ("Keeping your MAM account safe" ->
    "keeping-your-mam-account-safe"), so a link works on the forge and here alike."""
    kept = "".join(c for c in value.strip().lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", separator)
