from django.urls import path

from . import views

urlpatterns = [
    path("", views.Dashboard.as_view(), name="dashboard"),
    path("suppliers/", views.SupplierList.as_view(), name="supplier_list"),
    path("suppliers/add/", views.SupplierCreate.as_view(), name="supplier_add"),
    path("suppliers/<int:pk>/", views.SupplierDetail.as_view(), name="supplier_detail"),
    path("suppliers/<int:pk>/edit/", views.SupplierUpdate.as_view(), name="supplier_edit"),
    path("suppliers/<int:pk>/delete/", views.SupplierDelete.as_view(), name="supplier_delete"),
    path("products/", views.ProductList.as_view(), name="product_list"),
    path("products/add/", views.ProductCreate.as_view(), name="product_add"),
    path("products/<int:pk>/", views.ProductDetail.as_view(), name="product_detail"),
    path("products/<int:pk>/edit/", views.ProductUpdate.as_view(), name="product_edit"),
    path("products/<int:pk>/delete/", views.ProductDelete.as_view(), name="product_delete"),
]
