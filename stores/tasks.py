"""Celery tasks: thin shells around stores.sync."""

import logging

from celery import shared_task

from .models import StoreConnection
from .sync import store_sync

log = logging.getLogger(__name__)


@shared_task(name="stores.sync_one", acks_late=True, soft_time_limit=1800, time_limit=1900)
def sync_one(connection_id: int) -> str:
    connection = StoreConnection.objects.filter(pk=connection_id).select_related("owner").first()
    if connection is None:
        return "gone"  # disconnected meanwhile
    return store_sync(connection=connection).message


@shared_task(name="stores.sync_all")
def sync_all() -> int:
    """Beat, daily: one task per connection, so one slow or broken store never holds up the others."""
    ids = list(StoreConnection.objects.values_list("pk", flat=True))
    for pk in ids:
        try:
            sync_one.apply_async(args=[pk])
        except Exception:  # the broker down: the next day's run (or "sync now") picks it up
            log.exception("could not queue the sync of store connection %s", pk)
    return len(ids)
