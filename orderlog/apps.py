from django.apps import AppConfig


class OrderlogConfig(AppConfig):
    name = "orderlog"
    verbose_name = "Test orders"
