"""Everything automated: history, findings and the email outbox (filled in by the monitoring issues)."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a worker (or beat's tick) ran, per role: the dashboard's health strip reads it."""

    role = models.CharField(max_length=32, unique=True)
    seen_at = models.DateTimeField()
    hostname = models.CharField(max_length=255, blank=True)

    def __str__(self):
        return f"{self.role} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
