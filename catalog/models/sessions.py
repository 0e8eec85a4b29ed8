"""Session values of outside services that must survive restarts."""

from django.db import models


class ServiceSession(models.Model):
    """A service's rotating session value, e.g. MyAnonamouse's mam_id cookie.

    MAM sends a new mam_id with every response; the latest must survive restarts.
    Never shown in the admin.
    """

    service = models.CharField(max_length=32, primary_key=True)
    value = models.TextField()
    seeded_from = models.CharField(
        max_length=64, blank=True, help_text="Fingerprint of the setting it started from."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.service} session"
