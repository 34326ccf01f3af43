from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.migrations.operations import AddIndex


class AddIndexWithoutBlockingAnswers(AddIndexConcurrently):
    """On PostgreSQL the index is built CONCURRENTLY: a plain CREATE INDEX would hold off every
    check-in's insert for as long as it takes to index a network's responses. SQLite has no
    such option and a single writer anyway; it gets the plain statement."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("checkins", "0003_scheduled_links_pulse_contact_preferences"),
    ]

    operations = [
        AddIndexWithoutBlockingAnswers(
            model_name="response",
            index=models.Index(fields=["submitted_at"], name="response_submitted_at"),
        ),
    ]
