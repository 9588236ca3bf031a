"""The audit log's hash chain (docs/adr/0012-audit-hash-chain.md).

On PostgreSQL a BEFORE INSERT trigger, running as the table's owner (SECURITY DEFINER), gives
each new audit event its place in a chain and its hashes. A transaction takes a chain that no
other open transaction holds (pg_try_advisory_xact_lock over as many chains as the server
allows connections, so one is always free) and keeps it until it ends: writers never wait for
one another. Events already in the log are chained here, in order, as chain 0.

On SQLite (the embedded `make run` default) partners.audit_chain does it in Python."""

import datetime as dt
import hashlib
import json

from django.db import migrations, models


GENESIS = "0" * 64
# The first key of the two-key advisory locks the chains use ("ASBA").
LOCK_SPACE = 0x41534241

ROW_HASH_SQL = """
CREATE OR REPLACE FUNCTION partners_audit_row_hash(
    prev_hash text, chain integer, chain_seq bigint, occurred_at timestamptz, actor_id bigint,
    actor_label text, organisation_id uuid, verb text, action text, target_type text,
    target_id text, ip_address inet, detail jsonb
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT encode(sha256(convert_to(
        prev_hash || jsonb_build_array(
            chain, chain_seq, (extract(epoch FROM occurred_at) * 1000000)::bigint, actor_id,
            actor_label, organisation_id, verb, action, target_type, target_id,
            host(ip_address), detail
        )::text, 'UTF8')), 'hex')
$$;
"""

CHAIN_SQL = """
CREATE OR REPLACE FUNCTION partners_auditevent_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
    my_chain integer := nullif(current_setting('asb.audit_chain', true), '')::integer;
    head text := nullif(current_setting('asb.audit_head', true), '');
    chains integer;
    first integer;
    prev_seq bigint;
    prev_hash text;
BEGIN
    IF my_chain IS NULL THEN
        -- Each connection holds at most one chain, so with as many chains as connections
        -- one is always free: take it without waiting, and keep it to the transaction's end.
        chains := current_setting('max_connections')::integer;
        first := mod(pg_backend_pid(), chains);
        FOR i IN 0 .. chains - 1 LOOP
            IF pg_try_advisory_xact_lock({lock_space}, mod(first + i, chains)) THEN
                my_chain := mod(first + i, chains);
                EXIT;
            END IF;
        END LOOP;
        IF my_chain IS NULL THEN
            my_chain := first;
            PERFORM pg_advisory_xact_lock({lock_space}, my_chain);
        END IF;
        PERFORM set_config('asb.audit_chain', my_chain::text, true);
        head := NULL;
    END IF;
    IF head IS NULL THEN
        -- The transaction's first event: read the chain's head (the advisory lock means no
        -- one else moves it until this transaction ends).
        SELECT seq, head_hash INTO prev_seq, prev_hash
            FROM partners_auditchain WHERE chain = my_chain;
        IF NOT FOUND THEN
            prev_seq := 0;
            prev_hash := '{genesis}';
            INSERT INTO partners_auditchain (chain, seq, head_hash, updated_at)
                VALUES (my_chain, 0, prev_hash, now());
        END IF;
    ELSE
        -- Later events of the same transaction: the head it moved itself, kept with it.
        prev_seq := split_part(head, ':', 1)::bigint;
        prev_hash := split_part(head, ':', 2);
    END IF;
    NEW.chain := my_chain;
    NEW.chain_seq := prev_seq + 1;
    NEW.prev_hash := prev_hash;
    NEW.row_hash := partners_audit_row_hash(
        NEW.prev_hash, NEW.chain, NEW.chain_seq, NEW.occurred_at, NEW.actor_id, NEW.actor_label,
        NEW.organisation_id, NEW.verb, NEW.action, NEW.target_type, NEW.target_id,
        NEW.ip_address, NEW.detail
    );
    UPDATE partners_auditchain SET seq = NEW.chain_seq, head_hash = NEW.row_hash, updated_at = now()
        WHERE chain = my_chain;
    PERFORM set_config('asb.audit_head', NEW.chain_seq::text || ':' || NEW.row_hash, true);
    RETURN NEW;
END;
$$;

REVOKE ALL ON FUNCTION partners_auditevent_chain() FROM PUBLIC;

CREATE TRIGGER partners_auditevent_chain BEFORE INSERT ON partners_auditevent
    FOR EACH ROW EXECUTE FUNCTION partners_auditevent_chain();
"""

BACKFILL_SQL = """
DO $$
DECLARE
    r record;
    prev text := '{genesis}';
    place bigint := 0;
BEGIN
    FOR r IN SELECT * FROM partners_auditevent ORDER BY id LOOP
        place := place + 1;
        UPDATE partners_auditevent SET chain = 0, chain_seq = place, prev_hash = prev,
            row_hash = partners_audit_row_hash(
                prev, 0, place, r.occurred_at, r.actor_id, r.actor_label, r.organisation_id,
                r.verb, r.action, r.target_type, r.target_id, r.ip_address, r.detail)
            WHERE id = r.id RETURNING row_hash INTO prev;
    END LOOP;
    IF place > 0 THEN
        INSERT INTO partners_auditchain (chain, seq, head_hash, updated_at)
            VALUES (0, place, prev, now());
    END IF;
END $$;
"""

UNCHAIN_SQL = """
DROP TRIGGER IF EXISTS partners_auditevent_chain ON partners_auditevent;
DROP FUNCTION IF EXISTS partners_auditevent_chain();
DROP FUNCTION IF EXISTS partners_audit_row_hash(
    text, integer, bigint, timestamptz, bigint, text, uuid, text, text, text, text, inet, jsonb);
"""


def chain_existing_events(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            schema = cursor.fetchone()[0]
        schema_editor.execute(ROW_HASH_SQL)
        # The append-only guard refuses UPDATE: lift it for the one pass that chains the log.
        schema_editor.execute(
            "ALTER TABLE partners_auditevent DISABLE TRIGGER partners_auditevent_no_update_or_delete"
        )
        schema_editor.execute(BACKFILL_SQL.replace("{genesis}", GENESIS))
        schema_editor.execute(
            "ALTER TABLE partners_auditevent ENABLE TRIGGER partners_auditevent_no_update_or_delete"
        )
        schema_editor.execute(
            CHAIN_SQL.replace("{schema}", f'"{schema}"')
            .replace("{lock_space}", str(LOCK_SPACE))
            .replace("{genesis}", GENESIS)
        )
        return
    # SQLite: the same walk in Python (partners.audit_chain's canonical form).
    AuditEvent = apps.get_model("partners", "AuditEvent")
    AuditChain = apps.get_model("partners", "AuditChain")
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    prev, place = GENESIS, 0
    for event in AuditEvent.objects.order_by("id").iterator():
        place += 1
        content = [
            0, place, (event.occurred_at - epoch) // dt.timedelta(microseconds=1),
            event.actor_id, event.actor_label,
            str(event.organisation_id) if event.organisation_id else None,
            event.verb, event.action, event.target_type, event.target_id,
            event.ip_address or None, json.loads(json.dumps(event.detail or {})),
        ]
        text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        row_hash = hashlib.sha256((prev + text).encode()).hexdigest()
        AuditEvent.objects.filter(pk=event.pk).update(
            chain=0, chain_seq=place, prev_hash=prev, row_hash=row_hash
        )
        prev = row_hash
    if place:
        AuditChain.objects.create(chain=0, seq=place, head_hash=prev)


def unchain(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNCHAIN_SQL)


class Migration(migrations.Migration):

    dependencies = [
        ('partners', '0006_identity_provider'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditChain',
            fields=[
                ('chain', models.IntegerField(primary_key=True, serialize=False)),
                ('seq', models.BigIntegerField(default=0)),
                ('head_hash', models.CharField(max_length=64)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'ordering': ['chain'],
            },
        ),
        migrations.AddField(
            model_name='auditevent',
            name='chain',
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='chain_seq',
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='row_hash',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='verb',
            field=models.CharField(choices=[('viewed', 'Viewed'), ('searched', 'Searched'), ('created', 'Created'), ('changed', 'Changed'), ('shared', 'Shared'), ('revoked', 'Revoked'), ('exported', 'Exported'), ('sent', 'Sent'), ('logged_in', 'Logged in'), ('logged_out', 'Logged out'), ('login_failed', 'Failed login'), ('locked_out', 'Locked out'), ('permission_denied', 'Permission denied'), ('second_factor_failed', 'Failed second factor')], max_length=30),
        ),
        migrations.AddConstraint(
            model_name='auditevent',
            constraint=models.UniqueConstraint(condition=models.Q(('chain__isnull', False)), fields=('chain', 'chain_seq'), name='partners_audit_chain_place'),
        ),
        migrations.RunPython(chain_existing_events, unchain),
    ]
