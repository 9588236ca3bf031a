#!/bin/sh
# Run once by the PostgreSQL image when the database is first created (docker-compose.yml
# mounts it in /docker-entrypoint-initdb.d). Two roles, neither a superuser:
#   asb_owner  owns the schema and runs the migrations (the `migrate` service);
#   asb_app    is what web, worker and beat connect as: it reads and writes the tables, but
#              on the audit log may only read and append (manage.py db_grant_runtime_role).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_password="$ASB_OWNER_DB_PASSWORD" -v app_password="$ASB_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE asb_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE asb_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'app_password';
ALTER DATABASE :"DBNAME" OWNER TO asb_owner;
ALTER SCHEMA public OWNER TO asb_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
