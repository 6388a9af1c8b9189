from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.auth_urls")),  # invitations, email change, the limited reset form
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("api.urls")),  # /api/v1/, /account/tokens/, the history exports
    path("account/", include("accounts.urls")),
    path("", include("dashboard.urls")),
    path("", include("suppliers.urls")),
    path("", include("orderlog.urls")),
    path("", include("stores.urls")),
]
