from django.contrib import admin

from .models import Order, OrderPhoto


class OrderPhotoInline(admin.TabularInline):
    model = OrderPhoto
    extra = 0
    fields = ["image", "content_type", "size", "width", "height", "uploaded_at"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "owner", "supplier", "status", "outcome", "ordered_on", "protection_ends_on"]
    list_filter = ["status", "outcome"]
    search_fields = ["order_number", "tracking_number", "supplier__name", "owner__username"]
    raw_id_fields = ["supplier", "product"]
    inlines = [OrderPhotoInline]
