"""`manage.py sync_stores`: sync every connected store now, one after the other, and say how each went
(what beat's daily `stores.sync_all` does through the workers)."""

from django.core.management.base import BaseCommand

from stores.models import StoreConnection
from stores.sync import stores_sync_all


class Command(BaseCommand):
    help = "Sync every connected store's catalogue now (read-only) and print each result."

    def handle(self, *args, **options):
        results = stores_sync_all()
        names = dict(StoreConnection.objects.values_list("pk", "shop_domain"))
        for pk, result in results.items():
            style = self.style.SUCCESS if result.ok else self.style.ERROR
            self.stdout.write(style(f"{names.get(pk, pk)}: {result.message}"))
        return None
