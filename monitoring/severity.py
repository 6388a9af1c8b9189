"""How bad a finding is. Stored as an integer so lists sort by it."""

from django.db import models


class Severity(models.IntegerChoices):
    INFO = 10, "Info"
    WARNING = 20, "Warning"
    CRITICAL = 30, "Critical"


SEVERITY_LABELS = dict(Severity.choices)
