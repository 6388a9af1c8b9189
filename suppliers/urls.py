from django.urls import path

from . import intake_views as intake
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
    path(
        "products/add/from-browser/<str:key>/",
        intake.ProductAddFromBrowser.as_view(),
        name="product_add_from_browser",
    ),
    path("products/add/manual/", views.ProductCreate.as_view(), name="product_add_manual"),
    path("products/import/", intake.ProductImport.as_view(), name="product_import"),
    path("products/import/example.csv", intake.product_import_example, name="product_import_example"),
    path("products/<int:pk>/", views.ProductDetail.as_view(), name="product_detail"),
    path("products/<int:pk>/edit/", views.ProductUpdate.as_view(), name="product_edit"),
    path("products/<int:pk>/delete/", views.ProductDelete.as_view(), name="product_delete"),
    path("products/<int:pk>/switch/<int:alt>/", views.AlternativePromote.as_view(), name="alternative_promote"),
]
