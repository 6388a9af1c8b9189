from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"

    def ready(self):
        from . import (
            system_checks,  # noqa: F401  (registers the system checks)
            tasks,  # noqa: F401  (registers the tasks: the scheduler sends them by name, in web too)
        )
