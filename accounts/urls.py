from django.urls import path

from . import views

urlpatterns = [
    path("settings/", views.settings_view, name="settings"),
    path("settings/channels/add/", views.channel_add, name="channel_add"),
    path("settings/channels/<int:pk>/delete/", views.channel_delete, name="channel_delete"),
    path("settings/channels/<int:pk>/test/", views.channel_test, name="channel_test"),
    path("emails/", views.email_log, name="email_log"),  # "What Dropwatch sent you": email and channels
    path("emails/<int:pk>/", views.email_detail, name="email_detail"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
