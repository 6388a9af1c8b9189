"""The API under /api/v1/, the token pages under /account/tokens/, and the history exports."""

from django.urls import path

from . import views
from .v1 import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("account/tokens/", views.tokens, name="api_tokens"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke_view, name="api_token_revoke"),
    path("account/companion/", views.companion_settings, name="companion_settings"),
    path("account/companion/<int:pk>/revoke/", views.companion_token_revoke, name="companion_token_revoke"),
    path("products/<int:pk>/history.csv", views.product_history_csv, name="product_history_csv"),
    path("products/<int:pk>/history.json", views.product_history_json, name="product_history_json"),
    path("suppliers/<int:pk>/history.csv", views.supplier_history_csv, name="supplier_history_csv"),
    path("suppliers/<int:pk>/history.json", views.supplier_history_json, name="supplier_history_json"),
]
