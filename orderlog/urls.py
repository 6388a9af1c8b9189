"""The test-order log's pages. URLs and names keep saying "test order", as the UI does."""

from django.urls import path

from . import views as to

urlpatterns = [
    path("test-orders/", to.OrderList.as_view(), name="test_order_list"),
    path("test-orders/export.csv", to.order_export, name="test_order_export"),
    path("test-orders/add/", to.OrderCreate.as_view(), name="test_order_add"),
    path("test-orders/<int:pk>/", to.OrderDetail.as_view(), name="test_order_detail"),
    path("test-orders/<int:pk>/edit/", to.OrderUpdate.as_view(), name="test_order_edit"),
    path("test-orders/<int:pk>/delete/", to.OrderDelete.as_view(), name="test_order_delete"),
    path("test-orders/<int:pk>/shipped/", to.OrderShip.as_view(), name="test_order_ship"),
    path("test-orders/<int:pk>/delivered/", to.OrderDeliver.as_view(), name="test_order_deliver"),
    path("test-orders/<int:pk>/check/", to.OrderCheck.as_view(), name="test_order_check"),
    path("test-orders/<int:pk>/status/", to.OrderStatus.as_view(), name="test_order_status"),
    path("test-orders/<int:pk>/photos/", to.OrderPhotoAdd.as_view(), name="test_order_photo_add"),
    path("test-orders/<int:pk>/evidence.zip", to.order_evidence, name="test_order_evidence"),
    path("test-orders/<int:order_pk>/photos/<int:pk>/", to.order_photo, name="test_order_photo"),
    path(
        "test-orders/<int:order_pk>/photos/<int:pk>/delete/",
        to.OrderPhotoDelete.as_view(),
        name="test_order_photo_delete",
    ),
]
