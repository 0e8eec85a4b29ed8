"""The latest reading of the MyAnonamouse account: what the grab rules decide with."""

from django.db import models
from django.utils import timezone

from catalog.models.releases import Download

VIP_CLASSES = ("vip", "elite vip")


class MamAccount(models.Model):
    """One row: the account as MAM's jsonLoad.php last described it.

    Read at most once per run, before the run's first grab. Grabs sent since the reading
    count against the unsatisfied limit until MAM's own count catches up.
    """

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    read_at = models.DateTimeField(default=timezone.now)
    classname = models.CharField(max_length=64, blank=True, help_text='"User", "VIP", ...')
    ratio = models.FloatField(null=True, blank=True)
    vip_until = models.DateTimeField(null=True, blank=True)
    seedbonus = models.PositiveBigIntegerField(null=True, blank=True)
    wedges = models.PositiveIntegerField(
        null=True, blank=True, help_text="Freeleech wedges held; never spent by this site."
    )
    unsat_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Unsatisfied torrents as MAM counted them."
    )
    unsat_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="The most unsatisfied torrents the class allows."
    )

    class Meta:
        verbose_name = "MyAnonamouse account reading"

    def __str__(self):
        return f"MyAnonamouse account ({self.classname or '?'}, read {self.read_at:%Y-%m-%d %H:%M})"

    @classmethod
    def latest(cls):
        return cls.objects.filter(pk=cls.SINGLETON).first()

    @classmethod
    def keep(cls, **reading):
        """Store a new reading in place of the last one; returns it."""
        account, _ = cls.objects.update_or_create(
            pk=cls.SINGLETON, defaults={"read_at": timezone.now(), **reading}
        )
        return account

    @property
    def is_vip(self):
        if self.classname.strip().lower() in VIP_CLASSES:
            return True
        return self.vip_until is not None and self.vip_until > timezone.now()

    def grabs_since_reading(self):
        """Torrents fetched from MAM since this reading: MAM may not count them yet."""
        return (
            Download.objects.filter(requested_at__gte=self.read_at)
            .exclude(status=Download.DRY_RUN)
            .count()
        )
