#!/usr/bin/env bash
# Prints the bookworm base image for `make image` and `make compose-check`: debian:bookworm-slim when it is here or
# can be pulled; else, on a machine that reaches no image registry, local/debian:bookworm, built once from this
# machine's own Debian mirror with debootstrap (about a minute).
#   base=$(deploy/base-image.sh)
set -euo pipefail
if docker image inspect debian:bookworm-slim >/dev/null 2>&1 || docker pull -q debian:bookworm-slim >/dev/null 2>&1; then
  echo debian:bookworm-slim
  exit 0
fi
tag=local/debian:bookworm
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "deploy/base-image.sh: debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }

# The mirror apt already uses for bookworm (deb822 .sources files first, then sources.list); never a fixed host.
mirror=$(
  { cat /etc/apt/sources.list.d/*.sources 2>/dev/null; echo; } | awk '
    /^[[:space:]]*$/ { if (uri != "" && suite) { print uri; exit } uri = ""; suite = 0; next }
    /^URIs:/ { uri = $2 }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") suite = 1 }'
)
if [[ -z $mirror ]]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" { u = ($2 ~ /^\[/) ? $3 : $2; s = ($2 ~ /^\[/) ? $4 : $3; if (s == "bookworm") { print u; exit } }')
fi
[[ -n $mirror ]] || { echo "deploy/base-image.sh: no bookworm mirror in /etc/apt/sources.list{,.d}" >&2; exit 1; }

rootfs=$(mktemp -d /tmp/mutua-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
echo "deploy/base-image.sh: no registry answers; debootstrap bookworm from $mirror (about a minute)" >&2
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 ||
  { tail -20 "$rootfs.log" >&2; rm -f "$rootfs.log"; exit 1; }
rm -f "$rootfs.log"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import - "$tag" >/dev/null
echo "$tag"
