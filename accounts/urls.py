from django.urls import path

from . import team_views, views

urlpatterns = [
    path("settings/", views.settings_view, name="settings"),
    path("settings/channels/add/", views.channel_add, name="channel_add"),
    path("settings/channels/<int:pk>/delete/", views.channel_delete, name="channel_delete"),
    path("settings/channels/<int:pk>/test/", views.channel_test, name="channel_test"),
    path("emails/", views.email_log, name="email_log"),  # "What Dropwatch sent you": email and channels
    path("emails/<int:pk>/", views.email_detail, name="email_detail"),
    path("team/", team_views.team_view, name="team"),
    path("team/invite/", team_views.team_invite, name="team_invite"),
    path("team/invitations/<int:pk>/revoke/", team_views.team_invitation_revoke, name="team_invitation_revoke"),
    path("team/users/<int:pk>/active/", team_views.team_user_active, name="team_user_active"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
