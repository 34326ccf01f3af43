"""Let the append-only trigger allow one kind of UPDATE: the redaction applied when a client is
erased (alliance/audit/redaction.py). Everything else stays refused, DELETE included.

The check is made on the values, not on who asks, so not even the app's own database role can
use it to rewrite history: only the label may become '(erased)', a client code only a tombstone
('erased-' and 12 hex digits), a snapshot value only '(erased)' with the keys unchanged; every
other column must stay as it was."""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION audit_event_redacted_json(old_value jsonb, new_value jsonb)
RETURNS boolean AS $$
  SELECT CASE
    WHEN old_value IS NULL OR new_value IS NULL THEN old_value IS NOT DISTINCT FROM new_value
    WHEN jsonb_typeof(old_value) <> 'object' OR jsonb_typeof(new_value) <> 'object'
      THEN old_value = new_value
    ELSE
      (SELECT coalesce(array_agg(k ORDER BY k), '{}') FROM jsonb_object_keys(old_value) k)
        = (SELECT coalesce(array_agg(k ORDER BY k), '{}') FROM jsonb_object_keys(new_value) k)
      AND NOT EXISTS (
        SELECT 1 FROM jsonb_each(new_value) n
        WHERE n.value <> '"(erased)"'::jsonb AND n.value IS DISTINCT FROM old_value -> n.key
      )
  END
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION audit_event_redacted_codes(old_codes text, new_codes text)
RETURNS boolean AS $$
  SELECT old_codes = new_codes OR (
    coalesce(array_length(string_to_array(old_codes, ','), 1), 0)
      = coalesce(array_length(string_to_array(new_codes, ','), 1), 0)
    AND NOT EXISTS (
      SELECT 1 FROM unnest(string_to_array(old_codes, ','), string_to_array(new_codes, ','))
        AS t(o, n)
      WHERE n <> o AND n !~ '^erased-[0-9a-f]{12}$'
    )
  )
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND NEW.id = OLD.id
     AND NEW.organization_id IS NOT DISTINCT FROM OLD.organization_id
     AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
     AND NEW.actor_label = OLD.actor_label
     AND NEW.action = OLD.action
     AND NEW.object_type = OLD.object_type
     AND NEW.object_id = OLD.object_id
     AND NEW.at = OLD.at
     AND NEW.request_id = OLD.request_id
     AND NEW.ip IS NOT DISTINCT FROM OLD.ip
     AND NEW.source = OLD.source
     AND (NEW.object_label = OLD.object_label OR NEW.object_label = '(erased)')
     AND audit_event_redacted_codes(OLD.client_code, NEW.client_code)
     AND audit_event_redacted_json(OLD.before, NEW.before)
     AND audit_event_redacted_json(OLD.after, NEW.after)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
"""

# Back to the strict guard of migration 0002.
RESTORE = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
DROP FUNCTION IF EXISTS audit_event_redacted_json(jsonb, jsonb);
DROP FUNCTION IF EXISTS audit_event_redacted_codes(text, text);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RESTORE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [migrations.RunPython(forwards, backwards)]
