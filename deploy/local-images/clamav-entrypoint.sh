#!/bin/sh
# clamd from Debian's packages with the configuration compose.yaml mounts (/etc/clamav/clamd.conf, from
# deploy/clamd.conf), as the official clamav/clamav-debian image runs it. Its database: the EICAR test signatures
# only, written into the configuration's DatabaseDirectory (clamav.Dockerfile).
#   clamav-entrypoint.sh         start clamd in the foreground
#   clamav-entrypoint.sh ping    exit 0 when clamd answers PING on its TCP socket (the image's healthcheck)
set -eu
conf=/etc/clamav/clamd.conf
option() { sed -n "s/^$1 \(.*\)$/\1/p" "$conf" | tail -1; }

if [ "${1:-}" = ping ]; then
  exec python3 - "$(option TCPAddr)" "$(option TCPSocket)" <<'PY'
import socket, sys
with socket.create_connection((sys.argv[1] or "127.0.0.1", int(sys.argv[2] or 3310)), timeout=3) as s:
    s.sendall(b"zPING\0")
    sys.exit(0 if s.recv(16).startswith(b"PONG") else 1)
PY
fi

db=$(option DatabaseDirectory)
mkdir -p "$db"
# The EICAR string, built in two halves so that this script is not itself the test file.
eicar='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-'
eicar="${eicar}STANDARD-ANTIVIRUS-TEST-FILE!\$H+H*"
md5=$(printf '%s' "$eicar" | md5sum | cut -d' ' -f1)
printf '%s:%d:Mutua-EICAR-Test-File\n' "$md5" "${#eicar}" >"$db/mutua-eicar.hdb"
printf 'Mutua-EICAR-Test-String:0:*:%s\n' "$(printf '%s' "$eicar" | od -An -tx1 -v | tr -d ' \n')" >"$db/mutua-eicar.ndb"
exec clamd -c "$conf"
