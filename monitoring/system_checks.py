"""System checks for configuration mistakes that would otherwise fail silently."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def check_production_config(app_configs, **kwargs):
    problems = []
    if not settings.EMAIL_URL:
        problems.append(
            Warning(
                "EMAIL_URL is not set: alert emails are only written to files under DATA_DIR/mail.",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587",
                id="dropwatch.W001",
            )
        )
    if settings.FETCH_ALLOWED_HOSTS and not settings.DEMO_MODE:
        problems.append(
            Warning(
                "FETCH_ALLOWED_HOSTS is not empty: those hosts may be fetched even on private addresses.",
                hint="Leave FETCH_ALLOWED_HOSTS empty in production.",
                id="dropwatch.W002",
            )
        )
    if settings.DEMO_MODE:
        problems.append(
            Warning(
                "DEMO_MODE is on: the demo shop's port on this machine may be fetched (FETCH_ALLOWED_HOSTS), "
                "and seed_demo creates a login with a known password.",
                hint="Never set DEMO_MODE outside `make run`.",
                id="dropwatch.W004",
            )
        )
    if not settings.REDIS_URL:
        problems.append(
            Warning(
                "REDIS_URL is not set: the filesystem broker only works when web, worker and beat share a disk.",
                hint="Set REDIS_URL to run workers on more than one machine.",
                id="dropwatch.W003",
            )
        )
    return problems
