"""Settings for bench.pipeline's what-if worker: the app's settings plus the one change being measured.

Celery's Django fixup closes every database connection before and after each task unless
CELERY_DB_REUSE_MAX is set, so every check opens a new PostgreSQL connection. This keeps it instead;
bench/whatif_app.py hands the closing of old or broken connections back to Django.
"""

from config.settings import *  # noqa: F403

CELERY_DB_REUSE_MAX = 1_000_000
