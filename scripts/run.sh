#!/usr/bin/env bash
# The run command: install, then start PilotZone. With no environment set it starts embedded
# PostgreSQL (pgserver) and S3 (weed mini) under .pilotzone/, an in-process job worker, and the web
# app on http://127.0.0.1:8000/. Extra arguments go to `pilotzone serve` (e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec uv run --frozen pilotzone serve "$@"
