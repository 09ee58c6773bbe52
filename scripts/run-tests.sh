#!/usr/bin/env bash
# Run the whole suite: starts a private PostgreSQL on 127.0.0.1 so every database test
# runs on SQLite and PostgreSQL, and stops it afterwards whatever happens.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
pgdir=$(mktemp -d /tmp/securedrop-test-pg.XXXXXX)
port=$("$here/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { "$here/scripts/test-postgres.sh" stop "$pgdir" || true; rm -rf "$pgdir"; }
trap cleanup EXIT
SECUREDROP_TEST_POSTGRES_URL=$("$here/scripts/test-postgres.sh" start "$pgdir" "$port")
export SECUREDROP_TEST_POSTGRES_URL
# What the run lacks (PostgreSQL, Chromium) fails it instead of being skipped.
export SECUREDROP_TEST_STRICT=1
cd "$here"
.venv/bin/python -m pytest "$@"
