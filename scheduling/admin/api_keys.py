"""API keys for /api/status: staff name one, see the key once, and can delete it."""

from django.contrib import admin
from django.template.response import TemplateResponse

from scheduling.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_at", "last_used_at"]
    fields = ["name"]

    def has_change_permission(self, request, obj=None):
        return False  # a key is replaced, not edited: delete it and create another

    def save_model(self, request, obj, form, change):
        request._new_api_key = obj.generate()  # noqa: SLF001 - shown once by response_add
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """Show the key on this response only: it is not stored, nor put in a message (the
        messages may travel in a cookie)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"API key for {obj.name}",
            "subtitle": None,
            "key": request._new_api_key,  # noqa: SLF001
            "row": obj,
        }
        return TemplateResponse(request, "admin/scheduling/apikey/created.html", context)
