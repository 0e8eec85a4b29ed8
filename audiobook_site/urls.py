from django.contrib import admin
from django.urls import path

from scheduling.views import api_status, healthz

admin.site.site_header = "Audiobook site"
admin.site.site_title = "Audiobook site"
admin.site.index_title = "Library and jobs"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/status", api_status, name="api_status"),
    path("admin/", admin.site.urls),
]
