#!/bin/sh
# First start of the postgres volume only: the bundled Keycloak's database (profile `keycloak`) next to PicHosting's.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -c "CREATE DATABASE \"${KEYCLOAK_DB:-keycloak}\" OWNER \"$POSTGRES_USER\""
