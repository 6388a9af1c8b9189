"""The Celery app of bench.pipeline's what-if worker (`celery -A bench.whatif_app worker`).

The app's own Celery app, with Django's `close_old_connections` run before and after each task, as
Django runs it around each web request: with CELERY_DB_REUSE_MAX set (bench/whatif_settings.py) the
connection is kept across tasks, yet CONN_MAX_AGE, CONN_HEALTH_CHECKS and the closing of a connection
that saw an error still apply. This is the change the pipeline benchmark recommends for config/.
"""

from celery import signals

from config.celery import app


def _close_old_connections(**_kwargs):
    from django.db import close_old_connections

    close_old_connections()


signals.task_prerun.connect(_close_old_connections, weak=False)
signals.task_postrun.connect(_close_old_connections, weak=False)

__all__ = ["app"]
