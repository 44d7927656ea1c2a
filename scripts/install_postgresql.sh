#!/usr/bin/env bash
# Install Debian's PostgreSQL server binaries (initdb, pg_ctl) when they are missing: the records
# tests (tests/records/) start a real PostgreSQL from them. Does nothing when they are present;
# as root on a Debian-like machine it runs apt-get, otherwise it says what to run.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "PostgreSQL server binaries missing: install Debian's 'postgresql' package" \
         "(apt-get install postgresql); the PostgreSQL records tests skip without them" >&2
    exit 0
fi
echo "installing Debian's postgresql package (the records tests start a real server)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
