#!/usr/bin/env bash
# Start ClamAV's daemon for the tests and for development, on a machine that cannot download signatures.
#
#   deploy/clamd-local.sh [DIR]      # DIR defaults to var/clamd; prints the socket: unix://DIR/clamd.sock
#
# clamd refuses to start without a signature database, and freshclam cannot reach the mirror from a sandbox or CI.
# So this gives clamd a database of its own in DIR: two signatures of the EICAR test string (the standard, harmless
# antivirus test file), one for the file alone (.hdb, its MD5 and size) and one for the string anywhere in a file
# (.ndb: so a PDF that carries it is found too). clamd then answers "…UNOFFICIAL FOUND" for them and OK for everything
# else. Production runs clamav-daemon with freshclam's real database instead (docs/operations.md, "Malware scan").
# Needs the Debian packages clamav-daemon (clamd). Idempotent: if clamd already answers on DIR's socket, it only
# prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(realpath -m "${1:-var/clamd}")
socket="$dir/clamd.sock"
mkdir -p "$dir/db"

ping() { python3 - "$socket" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
try:
    s.connect(sys.argv[1]); s.sendall(b"zPING\0"); sys.exit(0 if s.recv(16).startswith(b"PONG") else 1)
except OSError:
    sys.exit(1)
EOF
}

if ping; then echo "unix://$socket"; exit 0; fi
command -v clamd >/dev/null || { echo "deploy/clamd-local.sh: clamd is missing: apt-get install clamav-daemon" >&2; exit 1; }

# The EICAR string, built in two halves so that this script is not itself the test file.
eicar='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-'
eicar+='STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
md5=$(printf '%s' "$eicar" | md5sum | cut -d' ' -f1)
printf '%s:%d:Mutua-EICAR-Test-File\n' "$md5" "${#eicar}" >"$dir/db/mutua-eicar.hdb"
printf 'Mutua-EICAR-Test-String:0:*:%s\n' "$(printf '%s' "$eicar" | od -An -tx1 -v | tr -d ' \n')" >"$dir/db/mutua-eicar.ndb"

cat >"$dir/clamd.conf" <<EOF
DatabaseDirectory $dir/db
LocalSocket $socket
LocalSocketMode 660
PidFile $dir/clamd.pid
LogFile $dir/clamd.log
Foreground yes
StreamMaxLength 25M
MaxThreads 4
EOF
if [[ $(id -u) == 0 ]]; then echo "User root" >>"$dir/clamd.conf"; fi
rm -f "$socket"
nohup clamd -c "$dir/clamd.conf" >>"$dir/clamd.out" 2>&1 &
for _ in $(seq 1 60); do ping && break; sleep 0.5; done
ping || { tail -20 "$dir/clamd.out" "$dir/clamd.log" >&2 || true; echo "deploy/clamd-local.sh: clamd did not start" >&2; exit 1; }
echo "unix://$socket"
