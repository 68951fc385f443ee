#!/bin/sh
# PicHosting container entry point: web | worker | migrate | manage <command…> | healthcheck | healthcheck-worker.
# The same script starts the processes of the production-stack system test (tests/system/test_production_stack.py).
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

metrics_dir_reset() {
    # Multiprocess metrics: one file per gunicorn worker; files of an earlier start would add to the counters.
    if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
        rm -rf "$PROMETHEUS_MULTIPROC_DIR"
        mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    fi
}

command="${1:-web}"
[ $# -gt 0 ] && shift
case "$command" in
    web)
        metrics_dir_reset
        exec "$PYTHON" -m gunicorn pichosting.wsgi --config deploy/gunicorn.conf.py "$@"
        ;;
    worker)
        unset PROMETHEUS_MULTIPROC_DIR  # gunicorn's multiprocess metric files belong to the web service
        # glibc gives each ingest/storage thread a malloc arena of its own that keeps what it freed: two
        # arenas took a worker ingesting 1 GB from S3 from 346–386 MB to 208 MB peak (docs/performance.md)
        export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
        exec "$PYTHON" manage.py db_worker "$@"
        ;;
    migrate)
        unset PROMETHEUS_MULTIPROC_DIR  # as for worker: those metric files are the web service's
        "$PYTHON" manage.py migrate --noinput
        "$PYTHON" manage.py createcachetable  # CACHE_URL=dbcache://…: before bootstrap, which uses the cache
        "$PYTHON" manage.py bootstrap
        # nginx serves /static/ from a volume; this image's collected files are published into it.
        if [ -n "${STATIC_PUBLISH_DIR:-}" ]; then
            cp -R "${STATIC_ROOT:?}/." "$STATIC_PUBLISH_DIR/"
        fi
        ;;
    manage)
        unset PROMETHEUS_MULTIPROC_DIR  # as for worker: a one-off command's counters stay out of them
        exec "$PYTHON" manage.py "$@"
        ;;
    healthcheck)
        exec "$PYTHON" -c 'import os, sys, urllib.request
host = os.environ.get("HEALTHCHECK_HOST") or os.environ.get("DOMAIN") or "localhost"
port = os.environ.get("PORT", "8000")
request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
sys.exit(0 if urllib.request.urlopen(request, timeout=5).status == 200 else 1)'
        ;;
    healthcheck-worker)
        # The worker can reach its database (it is a database queue).
        exec "$PYTHON" manage.py check --database default
        ;;
    *)
        echo "usage: entrypoint.sh web | worker | migrate | manage <command…> | healthcheck (got: $command)" >&2
        exit 64
        ;;
esac
