# PicHosting image: `web` (gunicorn), `worker` (task worker), `migrate` (migrations + bootstrap), `manage …`.
# BASE defaults to the official slim Python; `make image-test` builds on a local debootstrap base instead.
ARG BASE=python:3.11-slim

# --- build: the runtime dependencies (never the dev extra) in a virtualenv ---
FROM ${BASE} AS build
# pip trusts the system CA bundle (behind a TLS-inspecting proxy, mount the proxy's bundle there at build time).
ARG PIP_CERT=/etc/ssl/certs/ca-certificates.crt
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml ./
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
    && python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-compile -r requirements.txt

# --- runtime ---
FROM ${BASE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=8000 \
    MEDIA_ROOT=/srv/pichosting/media \
    LOCK_DIR=/srv/pichosting/locks \
    STATIC_ROOT=/app/staticfiles \
    PROMETHEUS_MULTIPROC_DIR=/tmp/pichosting-metrics
RUN useradd --system --no-log-init --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin pichosting \
    && mkdir -p /srv/pichosting/media /srv/pichosting/locks /srv/pichosting/static \
    && chown -R pichosting:pichosting /srv/pichosting
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The application (apps, templates, static, locale; .dockerignore leaves out tests, docs and local data).
COPY . .
# Static files are collected once, into the image; the key below exists only for this build step. Without the
# metrics folder variable, so no root-owned metric files are left in the image for the web service to clear.
RUN env -u PROMETHEUS_MULTIPROC_DIR SECRET_KEY=collectstatic-only-build-key-never-used-at-runtime \
        python3 manage.py collectstatic --noinput --verbosity 0
USER 10001:10001
EXPOSE 8000
VOLUME ["/srv/pichosting/media"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["/app/deploy/entrypoint.sh", "healthcheck"]
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
