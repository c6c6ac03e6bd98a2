from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from pilotzone.db import DB

ID = "2026-11-23T00:05:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "identity keys; audit_append(): the hash-chained insert into audit_log"

AUDIT_HASH = """
encode(sha256(convert_to(concat_ws('|', quote_nullable({prev}), quote_nullable({t}.tenant_id::text),
    quote_nullable(to_char({t}.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')),
    quote_nullable({t}.actor_id::text), quote_nullable({t}.actor), quote_nullable({t}.action),
    quote_nullable({t}.object_type), quote_nullable({t}.object_id), quote_nullable({t}.before::text),
    quote_nullable({t}.after::text), quote_nullable({t}.request_id), quote_nullable({t}.ip),
    quote_nullable({t}.note)), 'UTF8')), 'hex')
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="auth", description=DESCRIPTION)

    async def keys() -> None:
        await DB.run_ddl(
            "CREATE UNIQUE INDEX user_identity_issuer_subject ON user_identity (issuer, subject)"
        )
        await DB.run_ddl(
            'CREATE UNIQUE INDEX membership_unique ON membership (tenant_id, "user", role, district_code, '
            "coalesce(park, 0), coalesce(enterprise, 0))"
        )
        await DB.run_ddl('CREATE INDEX membership_user ON membership ("user")')
        await DB.run_ddl("CREATE INDEX login_failure_at ON login_failure (at)")
        await DB.run_ddl("CREATE INDEX audit_log_chain ON audit_log (tenant_id, id)")
        # Runs with the owner's rights: reads the chain's last hash whatever the caller may see,
        # serialised per chain by an advisory lock, so concurrent writers cannot fork the chain.
        await DB.run_ddl(
            """
CREATE OR REPLACE FUNCTION audit_append(
    p_tenant_id int, p_actor_id int, p_actor text, p_action text, p_object_type text, p_object_id text,
    p_before jsonb, p_after jsonb, p_request_id text, p_ip text, p_note text
) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_prev text;
    v_row audit_log;
BEGIN
    IF p_tenant_id IS NOT NULL
       AND p_tenant_id IS DISTINCT FROM NULLIF(current_setting('app.tenant_id', true), '')::int THEN
        RAISE EXCEPTION 'audit row for tenant % outside that tenant''s transaction', p_tenant_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('pilotzone.audit'), coalesce(p_tenant_id, 0));
    SELECT hash INTO v_prev FROM audit_log
     WHERE tenant_id IS NOT DISTINCT FROM p_tenant_id ORDER BY id DESC LIMIT 1;
    v_row.id := nextval(pg_get_serial_sequence('audit_log', 'id'));
    v_row.at := clock_timestamp();
    v_row.tenant_id := p_tenant_id;
    v_row.actor_id := p_actor_id;
    v_row.actor := coalesce(p_actor, '');
    v_row.action := p_action;
    v_row.object_type := coalesce(p_object_type, '');
    v_row.object_id := coalesce(p_object_id, '');
    v_row.before := p_before;
    v_row.after := p_after;
    v_row.request_id := coalesce(p_request_id, '');
    v_row.ip := coalesce(p_ip, '');
    v_row.note := coalesce(p_note, '');
    v_row.prev_hash := coalesce(v_prev, '');
    v_row.hash := """
            + AUDIT_HASH.format(prev="v_row.prev_hash", t="v_row")
            + """;
    INSERT INTO audit_log SELECT v_row.*;
    RETURN v_row.id;
END $$
"""
        )

    manager.add_raw(keys)

    return manager
