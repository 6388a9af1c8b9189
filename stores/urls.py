from django.urls import path

from . import views

urlpatterns = [
    path("stores/", views.store_list, name="store_list"),
    path("stores/unmapped/", views.store_unmapped, name="store_unmapped"),
    path("stores/<int:pk>/sync/", views.store_sync_now, name="store_sync_now"),
    path("stores/<int:pk>/disconnect/", views.store_disconnect, name="store_disconnect"),
    path("stores/variants/<int:pk>/map/", views.store_variant_map, name="store_variant_map"),
]
