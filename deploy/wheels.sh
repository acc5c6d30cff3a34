#!/usr/bin/env bash
# The wheels of a lock file for a Linux image (glibc up to bookworm's 2.36, CPython 3.11, the Docker host's
# architecture), downloaded on the host, each checked against its hash, so that `docker build` installs them with
# no package index. Every entry is fetched whatever its platform marker says: the image's Python decides which ones
# it installs.
#   deploy/wheels.sh requirements.lock build/wheels
set -euo pipefail
lock=$1
out=$2
python=${PYTHON:-python3}
"$python" -m pip --version >/dev/null 2>&1 || { echo "deploy/wheels.sh: pip is missing for $python: apt-get install python3-pip" >&2; exit 1; }
arch=$(docker info --format '{{.Architecture}}' 2>/dev/null || uname -m)
platforms=(--platform "manylinux2014_$arch" --platform "manylinux2010_$arch" --platform "manylinux1_$arch")
for glibc in $(seq 5 36); do platforms+=(--platform "manylinux_2_${glibc}_$arch"); done
rm -rf "$out"
mkdir -p "$out"
# A marker ends an entry's first line: `name==1.0 ; sys_platform == 'win32' \`.
sed -E 's/ ; [^\\]*\\$/ \\/' "$lock" >"$out/requirements.all-platforms.txt"
"$python" -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes --only-binary=:all: \
  --implementation cp --python-version 3.11 --abi cp311 "${platforms[@]}" \
  -r "$out/requirements.all-platforms.txt" -d "$out" 2>&1 | { grep -v "^WARNING: Location" || true; }
rm "$out/requirements.all-platforms.txt"
