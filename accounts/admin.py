from django.contrib import admin

from .models import UserSettings


@admin.register(UserSettings)
class UserSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "notify_mode", "digest_hour", "time_zone", "currency", "ship_to_country"]
