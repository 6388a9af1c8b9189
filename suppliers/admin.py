from django.contrib import admin

from .models import Product, Supplier


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "platform", "platform_store_id", "last_status", "trust_score"]
    list_filter = ["platform", "last_status"]
    search_fields = ["name", "platform_store_id", "owner__username"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "owner",
        "supplier",
        "platform",
        "price",
        "currency",
        "last_status",
        "next_check_at",
    ]
    list_filter = ["platform", "last_status", "active"]
    search_fields = ["title", "url", "platform_product_id", "owner__username"]
    raw_id_fields = ["supplier"]
