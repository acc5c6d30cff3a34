# ClamAV's daemon from Debian's packages, standing in for the official clamav/clamav-debian image (README.md beside
# this file). No signature download is reachable where this image is built, so its database holds only the two EICAR
# test signatures of deploy/clamd-local.sh: a test double, never for production.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends clamav-daemon python3 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/clamav && chown clamav:clamav /var/lib/clamav
COPY clamav-entrypoint.sh /usr/local/bin/clamav-entrypoint.sh
USER clamav
# As the official image's clamdcheck.sh: healthy once clamd answers PING on its TCP socket.
HEALTHCHECK --interval=5s --timeout=5s --retries=30 CMD ["clamav-entrypoint.sh", "ping"]
ENTRYPOINT ["clamav-entrypoint.sh"]
