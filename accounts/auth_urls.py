"""Routes under /accounts/ besides Django's own auth views (included after these, so the reset form here,
limited, takes the place of Django's)."""

from django.urls import path

from . import account_views

urlpatterns = [
    path("password_reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("invitation/<str:token>/", account_views.invitation_accept, name="invitation_accept"),
    path("email/confirm/<str:token>/", account_views.email_change_confirm, name="email_change_confirm"),
]
