#!/usr/bin/env bash
# `make image-test`: build the image with podman on the local debootstrap base (base.sh), then boot it with host
# networking against PostgreSQL on 127.0.0.1: `migrate` succeeds, `web` answers /healthz as a non-root user, and
# the image's HEALTHCHECK passes. Prints how long each step took.
set -euo pipefail
cd "$(dirname "$0")/../.."
IMAGE="${IMAGE:-localhost/pichosting:image-test}"
DATABASE_URL="${IMAGE_TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/pichosting_image_test}"
PORT="${IMAGE_TEST_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
PODMAN=(podman --runtime runc)
LIMITS=(--ulimit nofile=1024:4096 --ulimit nproc=4096:4096)
name="pichosting-image-test-$$"
seconds() { date +%s; }

start=$(seconds)
deploy/image-test/base.sh
base_done=$(seconds)
# The host's CA bundle replaces the base's during RUN steps, so pip works behind this machine's egress proxy.
"${PODMAN[@]}" build --format docker "${LIMITS[@]}" --build-arg BASE=localhost/pichosting-base:bookworm \
    -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro \
    -t "$IMAGE" . >/tmp/pichosting-image-build.log 2>&1 || { tail -n 40 /tmp/pichosting-image-build.log; exit 1; }
build_done=$(seconds)

db_name="${DATABASE_URL##*/}"
psql "${DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS \"$db_name\"" -c "CREATE DATABASE \"$db_name\""
run_env=(-e "DATABASE_URL=$DATABASE_URL" -e "SECRET_KEY=image-test-secret-key-0123456789-abcdefghijklmnop"
    -e DOMAIN=localhost -e PUBLIC_SCHEME=http -e BEHIND_PROXY=true -e MEDIA_SERVE=nginx -e "PORT=$PORT")
"${PODMAN[@]}" run --rm --network host "${LIMITS[@]}" "${run_env[@]}" "$IMAGE" migrate
migrate_done=$(seconds)

trap '"${PODMAN[@]}" rm -f "$name" >/dev/null 2>&1 || true' EXIT
"${PODMAN[@]}" run -d --name "$name" --network host "${LIMITS[@]}" "${run_env[@]}" "$IMAGE" web >/dev/null
for _ in $(seq 1 60); do
    curl -fsS -H "Host: localhost" "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 1
done
body="$(curl -fsS -H "Host: localhost" "http://127.0.0.1:$PORT/healthz")"
echo "image-test: /healthz answered $body"
uid="$("${PODMAN[@]}" exec "$name" id -u)"
[ "$uid" != "0" ] || { echo "image-test: the web process runs as root" >&2; exit 1; }
echo "image-test: runs as uid $uid ($("${PODMAN[@]}" exec "$name" id -un))"
"${PODMAN[@]}" healthcheck run "$name"
echo "image-test: the image HEALTHCHECK (entrypoint.sh healthcheck) passed"
done_at=$(seconds)
psql "${DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS \"$db_name\"" >/dev/null 2>&1 || true
echo "image-test: base $((base_done - start)) s, build $((build_done - base_done)) s," \
    "migrate $((migrate_done - build_done)) s, boot+checks $((done_at - migrate_done)) s, total $((done_at - start)) s"
