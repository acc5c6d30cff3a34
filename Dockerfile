# The mutua image: one image for the web (gunicorn), the task workers (db_worker) and the scheduled jobs
# (docs/operations.md). Build it with `make image`: the Python packages come as wheels from build/wheels, which
# `make image` downloads on the host from requirements.lock with their hashes checked, so the build itself needs no
# package index. Only Debian's packages are fetched, from the base image's own mirror.
#
#   docker build --build-arg BASE_IMAGE=debian:bookworm-slim -t mutua .     (what `make image` runs)

# Debian bookworm: its python3 is 3.11, the project's version. Any bookworm image will do (`make image` passes a
# local one on machines that cannot pull from a registry).
ARG BASE_IMAGE=debian:bookworm-slim

# --- Build: the virtual environment, the compiled catalogues and the static files ------------------------------------
FROM ${BASE_IMAGE} AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv gettext \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.lock /app/requirements.lock
COPY build/wheels /wheels
# The runtime lock only (no test or development tool), from the wheels alone, each checked against its hash.
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-index --find-links /wheels \
      --require-hashes -r /app/requirements.lock \
 && /opt/venv/bin/pip uninstall --quiet --yes pip setuptools
WORKDIR /app
COPY . /app
# Catalogues compiled from the .po files; static files collected with production's storage (hashed names, compressed):
# a broken static reference fails the build. Nothing here reads a secret: the key is a throwaway for the command.
# The wheels came in with the checkout (build/): they are in the venv now.
RUN rm -rf /app/build \
 && DJANGO_DEBUG=0 DJANGO_SECRET_KEY=image-build-only /opt/venv/bin/python manage.py compilemessages -v 0 \
 && DJANGO_DEBUG=0 DJANGO_SECRET_KEY=image-build-only STATIC_ROOT=/app/staticfiles \
      /opt/venv/bin/python manage.py collectstatic --noinput -v 0 \
 && /opt/venv/bin/python -m compileall -q -j 0 /app/config /app/mutua

# --- Runtime ---------------------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE}
ARG DEBIAN_FRONTEND=noninteractive
# python3 (the venv's interpreter), time zones for Europe/Rome, CA certificates for SMTP with TLS, the SMS gateway and S3,
# Tesseract with the Italian and orientation models for the worker's reading of uploaded documents.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 tzdata ca-certificates tesseract-ocr tesseract-ocr-ita \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 mutua \
 && useradd --system --uid 10001 --gid mutua --home-dir /app --no-create-home --shell /usr/sbin/nologin mutua \
 && mkdir -p /data/media /data/var \
 && chown -R mutua:mutua /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# Production by default. MEDIA_ROOT is used only without a bucket (AWS_STORAGE_BUCKET_NAME); compose.yaml mounts a
# volume there. The code and the static files belong to root: the app user can read them, not change them.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    DJANGO_DEBUG=0 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    MUTUA_VAR_DIR=/data/var
USER mutua
WORKDIR /app
EXPOSE 8000
# web | worker | scheduler | manage <command> … (deploy/entrypoint.sh)
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["web"]
