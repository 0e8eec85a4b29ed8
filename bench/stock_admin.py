"""The reference for the history pages: django-apscheduler's own admin, as it ships.

Registered on an admin site of its own at /stock-admin/, beside the project's URLs, so it
is measured whether or not the project keeps it registered on the main admin.
"""

from django.contrib import admin
from django.urls import path
from django_apscheduler.admin import DjangoJobAdmin, DjangoJobExecutionAdmin
from django_apscheduler.models import DjangoJob, DjangoJobExecution

from audiobook_site.urls import urlpatterns as site_urlpatterns

stock_site = admin.AdminSite(name="stock_admin")
stock_site.register(DjangoJob, DjangoJobAdmin)
stock_site.register(DjangoJobExecution, DjangoJobExecutionAdmin)

urlpatterns = [path("stock-admin/", stock_site.urls), *site_urlpatterns]
