#!/bin/sh
# Render the nginx configuration: every deploy/nginx/*.conf with its ${UPPER_CASE} variables replaced by envsubst
# (nginx's own `$lower_case` variables are left alone) into $NGINX_CONF_DIR, refusing when one is unset; then
# exec the remaining arguments (the nginx container: `render.sh nginx -c $NGINX_CONF_DIR/nginx.conf`).
# The nginx service of docker-compose.yml and the production-stack system test both render through this script.
set -eu
source_dir="$(cd "$(dirname "$0")" && pwd)"
: "${NGINX_CONF_DIR:?NGINX_CONF_DIR must name the folder the rendered configuration goes to}"
mkdir -p "$NGINX_CONF_DIR"
# APP_UPSTREAM may name several web nodes (host:port, separated by spaces): each becomes a `server` line of the
# upstream block in nginx.conf, which spreads requests over them (round robin; a node that refuses is skipped).
if [ -n "${APP_UPSTREAM:-}" ]; then
    servers=""
    for server in $APP_UPSTREAM; do
        servers="${servers:+$servers;
        server }$server"
    done
    APP_UPSTREAM="$servers"
    export APP_UPSTREAM
fi
for template in "$source_dir"/*.conf; do
    names="$(grep -o '\${[A-Z][A-Z0-9_]*}' "$template" | tr -d '${}' | sort -u || true)"
    for name in $names; do
        if eval "[ -z \"\${$name:-}\" ]"; then
            echo "render.sh: $name is not set (used by $(basename "$template"))" >&2
            exit 1
        fi
    done
    envsubst "$(printf '${%s} ' $names)" <"$template" >"$NGINX_CONF_DIR/$(basename "$template")"
done
[ $# -eq 0 ] || exec "$@"
