from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/bulk/", views.finding_bulk, name="finding_bulk"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/<str:action>/", views.finding_action, name="finding_action"),
    path("check/<str:kind>/<int:pk>/", views.check_now, name="check_now"),
    path("check/<str:kind>/<int:pk>/status/", views.check_status, name="check_status"),
]
