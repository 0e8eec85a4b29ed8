"""Session values of outside services that must survive restarts."""

from django.db import models


class ServiceSession(models.Model):
    """A service's rotating session value, e.g. MyAnonamouse's mam_id cookie.

    MAM sends a new mam_id with every response; the latest must survive restarts. The
    value is sealed (catalog/sealing.py) and never shown: staff can only replace it.
    `version` goes up with every write of the value, so a process that keeps the cookie
    in memory learns that another one rotated it by a version it does not know.
    """

    SETTING = "setting"
    ADMIN = "admin"
    ORIGIN_CHOICES = [(SETTING, "the MAM_SESSION_ID setting"), (ADMIN, "set by staff in the admin")]

    service = models.CharField(max_length=32, primary_key=True)
    value = models.TextField(help_text="Sealed with a key derived from SECRET_KEY.")
    seeded_from = models.CharField(
        max_length=64, blank=True, help_text="Fingerprint of the setting it started from."
    )
    origin = models.CharField(max_length=16, choices=ORIGIN_CHOICES, default=SETTING)
    set_at = models.DateTimeField(
        null=True, blank=True, help_text="When the user gave this session (setting or admin)."
    )
    version = models.PositiveBigIntegerField(
        default=1, help_text="Raised by every write of the value."
    )
    rotated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the service last sent a new value."
    )
    last_ok_at = models.DateTimeField(
        null=True, blank=True, help_text="When a request with it last worked."
    )
    refused_at = models.DateTimeField(
        null=True, blank=True, help_text="When the service refused it; empty while it works."
    )
    refused_reason = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "MyAnonamouse session"

    def __str__(self):
        state = f"refused since {self.refused_at:%Y-%m-%d %H:%M}" if self.refused_at else "working"
        return f"{self.service} session ({state})"
