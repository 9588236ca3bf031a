"""The audit chain's head is written once per INSERT statement, not once per event (ADR 0023).

Migration 0007's BEFORE INSERT trigger updated the chain's row in `partners_auditchain` for
every event. Within one transaction each of those updates leaves a new version of the same
row, and the next update walks past all of them: a bulk import writing 500 incident events
and 250 people's events paid for a chain of hundreds of dead versions (11,500 to 15,500
buffers, 90 to 150 ms for 500 events, growing with every statement of the transaction).

The row trigger now does what it did except that update: it takes the chain, reads the head
(first event of the transaction) or the head the transaction carries in `asb.audit_head`, and
computes the same hashes. An AFTER INSERT ... FOR EACH STATEMENT trigger, also running as the
owner, writes the head the statement ended on to `partners_auditchain`. The chain, the hashes
and what `audit_verify` checks are unchanged; the head is only ever behind the events in the
middle of an INSERT statement, where nothing else can read it (the chain is held by the
transaction's advisory lock). A savepoint rolled back takes its events, its update of the
head and the setting back together, as before."""

from django.db import migrations

# The first key of the two-key advisory locks the chains use ("ASBA"), as in 0007.
LOCK_SPACE = 0x41534241
GENESIS = "0" * 64

ROW_TRIGGER_SQL = """
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
    -- The head moves on here; partners_auditevent_chain_head stores it once the statement ends.
    PERFORM set_config('asb.audit_head', NEW.chain_seq::text || ':' || NEW.row_hash, true);
    RETURN NEW;
END;
$$;
"""

HEAD_TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION partners_auditevent_chain_head() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
    my_chain integer := nullif(current_setting('asb.audit_chain', true), '')::integer;
    head text := nullif(current_setting('asb.audit_head', true), '');
BEGIN
    -- Once per INSERT statement: the chain's stored head becomes the last event's, if the
    -- statement moved it (no row written, or nothing chained yet: nothing to do).
    IF my_chain IS NOT NULL AND head IS NOT NULL THEN
        UPDATE partners_auditchain
            SET seq = split_part(head, ':', 1)::bigint,
                head_hash = split_part(head, ':', 2),
                updated_at = now()
            WHERE chain = my_chain AND seq <> split_part(head, ':', 1)::bigint;
    END IF;
    RETURN NULL;
END;
$$;

REVOKE ALL ON FUNCTION partners_auditevent_chain_head() FROM PUBLIC;

CREATE TRIGGER partners_auditevent_chain_head AFTER INSERT ON partners_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION partners_auditevent_chain_head();
"""

# 0007's row trigger body again (the head updated for every event), for going back.
OLD_ROW_UPDATE = """    -- The head moves on here; partners_auditevent_chain_head stores it once the statement ends.
    PERFORM set_config"""
OLD_ROW_UPDATE_BACK = """    UPDATE partners_auditchain SET seq = NEW.chain_seq, head_hash = NEW.row_hash, updated_at = now()
        WHERE chain = my_chain;
    PERFORM set_config"""


def _sql(template: str, schema_editor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
    return (
        template.replace("{schema}", f'"{schema}"')
        .replace("{lock_space}", str(LOCK_SPACE))
        .replace("{genesis}", GENESIS)
    )


def head_once_per_statement(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite chains in Python (partners.audit_chain), one head update per batch
    schema_editor.execute(_sql(ROW_TRIGGER_SQL, schema_editor))
    schema_editor.execute(_sql(HEAD_TRIGGER_SQL, schema_editor))


def head_once_per_event(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS partners_auditevent_chain_head ON partners_auditevent;"
        "DROP FUNCTION IF EXISTS partners_auditevent_chain_head();"
    )
    schema_editor.execute(
        _sql(ROW_TRIGGER_SQL.replace(OLD_ROW_UPDATE, OLD_ROW_UPDATE_BACK), schema_editor)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0013_notification_emailed_at"),
    ]

    operations = [migrations.RunPython(head_once_per_statement, head_once_per_event)]
