"""The one Celery app. Settings come from Django's settings under the CELERY_ namespace."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("dropwatch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect(weak=False)
@signals.task_postrun.connect(weak=False)
def _close_old_connections(**_kwargs):
    """As Django does around each web request: drop a connection that is too old or broke (a database
    restart), keep a healthy one (CELERY_DB_REUSE_MAX keeps Celery from closing it after every task)."""
    from django.db import close_old_connections

    close_old_connections()
