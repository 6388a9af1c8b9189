from django.urls import path

from . import views

urlpatterns = [
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/<str:action>/", views.finding_action, name="finding_action"),
]
