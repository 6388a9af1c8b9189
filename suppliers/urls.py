from django.urls import path

from . import intake_views as intake
from . import test_order_views as to
from . import views

urlpatterns = [
    path("suppliers/", views.SupplierList.as_view(), name="supplier_list"),
    path("suppliers/add/", views.SupplierCreate.as_view(), name="supplier_add"),
    path("suppliers/add/url/", intake.SupplierAddByUrl.as_view(), name="supplier_add_url"),
    path("suppliers/<int:pk>/", views.SupplierDetail.as_view(), name="supplier_detail"),
    path("suppliers/<int:pk>/edit/", views.SupplierUpdate.as_view(), name="supplier_edit"),
    path("suppliers/<int:pk>/delete/", views.SupplierDelete.as_view(), name="supplier_delete"),
    path("products/", views.ProductList.as_view(), name="product_list"),
    path("products/add/", intake.ProductAdd.as_view(), name="product_add"),
    path("products/add/manual/", views.ProductCreate.as_view(), name="product_add_manual"),
    path("products/import/", intake.ProductImport.as_view(), name="product_import"),
    path("products/import/example.csv", intake.product_import_example, name="product_import_example"),
    path("products/<int:pk>/", views.ProductDetail.as_view(), name="product_detail"),
    path("products/<int:pk>/edit/", views.ProductUpdate.as_view(), name="product_edit"),
    path("products/<int:pk>/delete/", views.ProductDelete.as_view(), name="product_delete"),
    # The test-order log.
    path("test-orders/", to.TestOrderList.as_view(), name="test_order_list"),
    path("test-orders/export.csv", to.test_order_export, name="test_order_export"),
    path("test-orders/add/", to.TestOrderCreate.as_view(), name="test_order_add"),
    path("test-orders/<int:pk>/", to.TestOrderDetail.as_view(), name="test_order_detail"),
    path("test-orders/<int:pk>/edit/", to.TestOrderUpdate.as_view(), name="test_order_edit"),
    path("test-orders/<int:pk>/delete/", to.TestOrderDelete.as_view(), name="test_order_delete"),
    path("test-orders/<int:pk>/shipped/", to.TestOrderShip.as_view(), name="test_order_ship"),
    path("test-orders/<int:pk>/delivered/", to.TestOrderDeliver.as_view(), name="test_order_deliver"),
    path("test-orders/<int:pk>/check/", to.TestOrderCheck.as_view(), name="test_order_check"),
    path("test-orders/<int:pk>/status/", to.TestOrderStatus.as_view(), name="test_order_status"),
    path("test-orders/<int:pk>/photos/", to.TestOrderPhotoAdd.as_view(), name="test_order_photo_add"),
    path("test-orders/<int:order_pk>/photos/<int:pk>/", to.test_order_photo, name="test_order_photo"),
    path(
        "test-orders/<int:order_pk>/photos/<int:pk>/delete/",
        to.TestOrderPhotoDelete.as_view(),
        name="test_order_photo_delete",
    ),
]
