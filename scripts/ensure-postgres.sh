#!/usr/bin/env bash
# Makes sure the PostgreSQL that the Postgres datastore tests use answers on 127.0.0.1:5432:
# starts the local cluster if it is installed but down. Tests create and drop databases of their own.
set -u
ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
ready && { echo "postgres is up"; exit 0; }
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  for v in $(ls /etc/postgresql); do pg_ctlcluster --skip-systemctl-redirect "$v" main start || true; done
fi
for _ in $(seq 1 30); do ready && { echo "postgres is up"; exit 0; }; sleep 1; done
echo "postgres is not reachable on 127.0.0.1:5432 (install postgresql, or start it)" >&2
exit 1
