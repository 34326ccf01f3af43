"""Room for every client's code of a group episode: 64 characters held about nine short codes, so
auditing a larger group, or erasing one member of a smaller one (the tombstone is longer than a
short code), failed on PostgreSQL. Widening a varchar rewrites neither the table nor its indexes,
and fires no row trigger."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_erasure_redaction")]
    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="client_code",
            field=models.CharField(blank=True, db_index=True, max_length=2000),
        ),
    ]
