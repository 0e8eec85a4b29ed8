"""The MyAnonamouse page: the session's state, the latest account reading, a new cookie.

The cookie is never shown, not even sealed: the page says when it was set, rotated, last
worked or refused, and offers a form to replace it (POST with CSRF, and the "Can change
MyAnonamouse session" permission). The jobs page shows the account reading too, through
jobs_page_panel (listed in settings.JOBS_PAGE_PANELS: scheduling does not import catalog).
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse

from catalog.clients import mam_session
from catalog.models import MamAccount, ServiceSession

CHANGE_PERMISSION = "catalog.change_servicesession"


class MamCookieForm(forms.Form):
    cookie = forms.CharField(
        label="New mam_id",
        max_length=1000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "size": 60}),
        help_text="From MAM's Preferences → Security, for this server's IP or ASN. "
        "It is stored sealed and never shown again.",
    )

    def clean_cookie(self):
        value = self.cleaned_data["cookie"].strip()
        if value.lower().startswith("mam_id="):
            value = value[len("mam_id=") :]
        if not value or not value.isascii() or any(c.isspace() or c in ";," for c in value):
            raise forms.ValidationError(
                "That is not a mam_id value: paste the cookie's value alone, without spaces."
            )
        return value


@admin.register(ServiceSession)
class MamSessionAdmin(admin.ModelAdmin):
    """One page (the changelist URL); no change form, which would show the sealed value."""

    template = "admin/catalog/servicesession/mam.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        name = f"{self.opts.app_label}_{self.opts.model_name}_changelist"
        return [path("", wrap(self.changelist_view), name=name)]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        form = MamCookieForm(request.POST or None)
        if request.method == "POST":
            if not request.user.has_perm(CHANGE_PERMISSION):
                raise PermissionDenied("Setting the MAM session needs its change permission.")
            if form.is_valid():
                row = mam_session.give(form.cleaned_data["cookie"], ServiceSession.ADMIN)
                self.log_change(request, row, "Set a new MyAnonamouse session")
                self.message_user(
                    request,
                    "New MyAnonamouse session stored (sealed). MAM work resumes with the next run.",
                )
                return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "MyAnonamouse session and account",
            "subtitle": None,
            "form": form,
            "can_change": request.user.has_perm(CHANGE_PERMISSION),
            **panel_context(),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.template, context)


def panel_context():
    row = ServiceSession.objects.filter(service=mam_session.SERVICE_KEY).first()
    return {
        "session": row,
        "problem": mam_session.banner_text(),
        "account": MamAccount.latest(),
        "rules": {
            "MAM_MIN_RATIO": settings.MAM_MIN_RATIO,
            "MAM_UNSAT_RESERVE": settings.MAM_UNSAT_RESERVE,
            "MAM_FREELEECH_ONLY": "on" if settings.MAM_FREELEECH_ONLY else "off",
        },
    }


def jobs_page_panel(request):
    """The account reading and session state for the jobs page, for staff who may see them."""
    if not request.user.has_perm("catalog.view_servicesession"):
        return ""
    return render_to_string(
        "admin/catalog/mam_account_panel.html",
        {**panel_context(), "mam_page": reverse("admin:catalog_servicesession_changelist")},
        request=request,
    )
