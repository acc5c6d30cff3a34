# moto's S3 server, a test double of the S3 API kept in memory, standing in for the S3 profile's server when no
# registry can be reached (README.md beside this file). Never for production: nothing it holds survives a restart.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
COPY s3-requirements.lock /s3-requirements.lock
COPY build/wheels /wheels
RUN python3 -m venv /opt/moto \
 && /opt/moto/bin/pip install --no-cache-dir --disable-pip-version-check --no-index --find-links /wheels \
      --require-hashes -r /s3-requirements.lock \
 && rm -rf /wheels \
 && useradd --system --uid 10002 --shell /usr/sbin/nologin moto
USER moto
# compose.yaml's arguments are the real server's: this one listens on S3_PORT, on the loopback.
ENTRYPOINT ["/bin/sh", "-c", "exec /opt/moto/bin/moto_server -H 127.0.0.1 -p \"${S3_PORT:-9000}\"", "--"]
