# The test-order log moved to its own app (orderlog). Only Django's idea of the models moves: the tables
# stay where they are, under their old names, so no data is copied.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('suppliers', '0003_product_check_claim_supplier_check_claim'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='testorderphoto',
                    name='order',
                ),
                migrations.DeleteModel(
                    name='TestOrder',
                ),
                migrations.DeleteModel(
                    name='TestOrderPhoto',
                ),
            ],
            database_operations=[],
        ),
    ]
