"""Issue 18: before values were validated (monitoring/sanitize.py), SQLite stored whatever a shop sent — a price
of 1e20, a rating of 55 — in columns it cannot read back, so every read of such a row raised. This forgets
those values (NULL: unknown), as sanitize would have. PostgreSQL never stored them: nothing to do there."""

from django.db import migrations

MONEY = "{c} IS NOT NULL AND ({c} < 0 OR {c} >= 1e14)"
PRICE = "{c} IS NOT NULL AND ({c} <= 0 OR {c} >= 1e14)"
RATING = "{c} IS NOT NULL AND ({c} < 0 OR {c} > 5)"
PERCENT = "{c} IS NOT NULL AND ({c} < 0 OR {c} > 100)"
COUNT = "{c} IS NOT NULL AND ({c} < 0 OR {c} > 2147483647)"
BIG = "{c} IS NOT NULL AND abs({c}) >= 1e14"  # a finding's values may be negative (a change)

COLUMNS = {
    "suppliers_product": {
        PRICE: ["price", "price_max", "original_price", "baseline_price"],
        MONEY: ["my_price", "shipping_cost"],
        RATING: ["rating"],
        COUNT: ["stock_quantity", "review_count", "orders_count"],
    },
    "suppliers_supplier": {
        PERCENT: ["positive_feedback_pct"],
        RATING: ["rating_described", "rating_communication", "rating_shipping"],
        COUNT: ["followers"],
    },
    "monitoring_snapshot": {
        PRICE: ["price", "price_max", "original_price"],
        RATING: ["rating"],
        COUNT: ["stock_quantity", "review_count", "orders_count", "stars_1", "stars_2", "stars_3", "stars_4", "stars_5"],
    },
    "monitoring_storesnapshot": {
        PERCENT: ["positive_feedback_pct"],
        RATING: ["rating_described", "rating_communication", "rating_shipping"],
        COUNT: ["followers"],
    },
    "monitoring_finding": {BIG: ["baseline_value", "current_value"]},
    "monitoring_findingevent": {BIG: ["current_value"]},
}


def forget_out_of_range_values(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table, rules in COLUMNS.items():
            for condition, columns in rules.items():
                for column in columns:
                    quoted = connection.ops.quote_name(column)
                    cursor.execute(
                        f"UPDATE {connection.ops.quote_name(table)} SET {quoted} = NULL "
                        f"WHERE {condition.format(c=quoted)}"
                    )


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0003_notification_skipped_email_notification_email_and_more"),
        ("suppliers", "0003_product_check_claim_supplier_check_claim"),
    ]

    operations = [migrations.RunPython(forget_out_of_range_values, migrations.RunPython.noop)]
