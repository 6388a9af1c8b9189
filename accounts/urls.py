from django.urls import path

from . import views

urlpatterns = [
    path("settings/", views.settings_view, name="settings"),
    path("emails/", views.email_log, name="email_log"),
    path("emails/<int:pk>/", views.email_detail, name="email_detail"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
