# The test-order log, moved from the suppliers app. State only: the tables keep their names (db_table),
# nothing is created or copied; admin permissions follow the models to this app.

import django.core.validators
import django.db.models.deletion
import orderlog.models
from django.conf import settings
from django.db import migrations, models


def move_content_types(apps, schema_editor):
    """Keep existing permissions: the content types of the moved models now belong to this app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old, new in (("testorder", "order"), ("testorderphoto", "orderphoto")):
        if not ContentType.objects.filter(app_label="orderlog", model=new).exists():
            ContentType.objects.filter(app_label="suppliers", model=old).update(app_label="orderlog", model=new)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('suppliers', '0004_test_orders_move_to_orderlog'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Order',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('ordered_on', models.DateField()),
                        ('order_number', models.CharField(blank=True, max_length=100)),
                        ('amount_paid', models.DecimalField(blank=True, decimal_places=4, max_digits=18, null=True, validators=[orderlog.models.validate_not_negative])),
                        ('currency', models.CharField(blank=True, default='USD', max_length=3)),
                        ('shipping_method', models.CharField(blank=True, max_length=100)),
                        ('tracking_number', models.CharField(blank=True, max_length=100)),
                        ('promised_from', models.DateField(blank=True, null=True, verbose_name='Promised delivery from')),
                        ('promised_to', models.DateField(blank=True, null=True, verbose_name='Promised delivery by')),
                        ('shipped_on', models.DateField(blank=True, null=True)),
                        ('delivered_on', models.DateField(blank=True, null=True)),
                        ('protection_ends_on', models.DateField(verbose_name='Buyer protection ends on')),
                        ('status', models.CharField(choices=[('ordered', 'Ordered'), ('shipped', 'Shipped'), ('delivered', 'Delivered, not checked'), ('checked', 'Checked'), ('disputed', 'Disputed'), ('refunded', 'Refunded'), ('lost', 'Lost')], default='ordered', max_length=16)),
                        ('disputed_on', models.DateField(blank=True, null=True)),
                        ('lost_on', models.DateField(blank=True, null=True)),
                        ('notes', models.TextField(blank=True)),
                        ('as_described', models.CharField(blank=True, choices=[('yes', 'Yes'), ('partly', 'Partly'), ('no', 'No')], max_length=8)),
                        ('genuine', models.CharField(blank=True, choices=[('yes', 'Yes'), ('no', 'No'), ('unsure', 'Unsure')], max_length=8)),
                        ('works', models.CharField(blank=True, choices=[('yes', 'Yes'), ('no', 'No'), ('na', 'Not applicable / not checked')], max_length=8)),
                        ('dimensions_as_listed', models.CharField(blank=True, choices=[('yes', 'Yes'), ('no', 'No'), ('na', 'Not applicable / not checked')], max_length=8, verbose_name='Dimensions and weight as listed')),
                        ('packaging', models.CharField(blank=True, choices=[('good', 'Good'), ('poor', 'Poor but intact'), ('damaged', 'Damaged')], max_length=8)),
                        ('tracking_was_real', models.CharField(blank=True, choices=[('yes', 'Yes'), ('no', 'No'), ('unsure', 'Unsure')], max_length=8)),
                        ('extra_fees_asked', models.BooleanField(default=False, verbose_name='Seller asked for extra fees')),
                        ('off_platform_payment_asked', models.BooleanField(default=False, verbose_name='Seller asked to pay outside the platform')),
                        ('communication', models.CharField(blank=True, choices=[('good', 'Good'), ('slow', 'Slow'), ('poor', 'Poor or unhelpful'), ('none', 'No contact needed')], max_length=8, verbose_name='Seller communication')),
                        ('overall_score', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1, 'The overall score is from 1 to 5.'), django.core.validators.MaxValueValidator(5, 'The overall score is from 1 to 5.')])),
                        ('check_notes', models.TextField(blank=True)),
                        ('outcome', models.CharField(blank=True, choices=[('pass', 'Pass'), ('pass_with_issues', 'Pass with issues'), ('fail', 'Fail')], max_length=16)),
                        ('checked_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='test_orders', to=settings.AUTH_USER_MODEL)),
                        ('product', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='test_orders', to='suppliers.product')),
                        ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='test_orders', to='suppliers.supplier')),
                    ],
                    options={
                        'verbose_name': 'test order',
                        'db_table': 'suppliers_testorder',
                        'ordering': ['-ordered_on', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='OrderPhoto',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('image', models.FileField(max_length=255, upload_to=orderlog.models.photo_upload_to)),
                        ('content_type', models.CharField(editable=False, max_length=32)),
                        ('size', models.PositiveIntegerField(editable=False)),
                        ('width', models.PositiveIntegerField(editable=False)),
                        ('height', models.PositiveIntegerField(editable=False)),
                        ('uploaded_at', models.DateTimeField(auto_now_add=True)),
                        ('order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='photos', to='orderlog.order')),
                    ],
                    options={
                        'verbose_name': 'test-order photo',
                        'db_table': 'suppliers_testorderphoto',
                        'ordering': ['uploaded_at', 'id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='order',
                    index=models.Index(fields=['owner', '-ordered_on'], name='testorder_owner_recent_idx'),
                ),
                migrations.AddIndex(
                    model_name='order',
                    index=models.Index(fields=['supplier', '-ordered_on'], name='testorder_supplier_recent_idx'),
                ),
                migrations.AddIndex(
                    model_name='order',
                    index=models.Index(fields=['owner', 'status'], name='testorder_owner_status_idx'),
                ),
                migrations.AddIndex(
                    model_name='order',
                    index=models.Index(condition=models.Q(('status__in', ('ordered', 'shipped', 'lost'))), fields=['protection_ends_on'], name='testorder_protection_idx'),
                ),
                migrations.AddConstraint(
                    model_name='order',
                    constraint=models.CheckConstraint(condition=models.Q(('amount_paid__gte', 0)), name='testorder_amount_not_negative'),
                ),
                migrations.AddConstraint(
                    model_name='order',
                    constraint=models.CheckConstraint(condition=models.Q(('shipped_on__isnull', True), ('shipped_on__gte', models.F('ordered_on')), _connector='OR'), name='testorder_shipped_after_ordered'),
                ),
                migrations.AddConstraint(
                    model_name='order',
                    constraint=models.CheckConstraint(condition=models.Q(('delivered_on__isnull', True), ('delivered_on__gte', models.F('ordered_on')), _connector='OR'), name='testorder_delivered_after_ordered'),
                ),
                migrations.AddConstraint(
                    model_name='order',
                    constraint=models.CheckConstraint(condition=models.Q(('delivered_on__isnull', True), ('shipped_on__isnull', True), ('delivered_on__gte', models.F('shipped_on')), _connector='OR'), name='testorder_delivered_after_shipped'),
                ),
                migrations.AddConstraint(
                    model_name='order',
                    constraint=models.CheckConstraint(condition=models.Q(('protection_ends_on__gte', models.F('ordered_on'))), name='testorder_protection_after_ordered'),
                ),
                migrations.AddConstraint(
                    model_name='order',
                    constraint=models.CheckConstraint(condition=models.Q(('promised_to__isnull', True), ('promised_from__isnull', True), ('promised_to__gte', models.F('promised_from')), _connector='OR'), name='testorder_promised_window'),
                ),
                migrations.AddConstraint(
                    model_name='order',
                    constraint=models.CheckConstraint(condition=models.Q(('overall_score__isnull', True), models.Q(('overall_score__gte', 1), ('overall_score__lte', 5)), _connector='OR'), name='testorder_score_1_to_5'),
                ),
                migrations.AddConstraint(
                    model_name='order',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status__in', ['delivered', 'checked']), _negated=True), ('delivered_on__isnull', False), _connector='OR'), name='testorder_delivered_has_date'),
                ),
                migrations.AddConstraint(
                    model_name='order',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'checked'), _negated=True), models.Q(('outcome', ''), _negated=True), _connector='OR'), name='testorder_checked_has_outcome'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, migrations.RunPython.noop),
    ]
