#!/usr/bin/env bash
# The test command: install, lint (ruff), check the layers (import-linter) and the types (mypy), then run every test
# against real services: PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (override with
# TEST_PG_ADMIN_URL / TEST_REDIS_URL); the tests start their own S3 (weed mini) and drive Debian's
# Chromium. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qiE "wqy|noto.*cjk"; then
  echo "installing Debian chromium and a CJK font for the browser tests" >&2
  (apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei) >/dev/null
fi
# the HTML checker (npm vnu-jar) runs on Java; the certificate tests read PDFs with poppler's pdfinfo
if ! command -v java >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1; then
  echo "installing Java (for the HTML checker) and poppler-utils (pdfinfo)" >&2
  (apt-get update -qq && apt-get install -y -qq default-jre-headless poppler-utils) >/dev/null
fi
uv run --frozen ruff check src tests bench scripts
# the layers (README "Layers"): import-linter contracts in pyproject.toml, [tool.importlinter]
uv run --frozen lint-imports --no-cache
# the types (pyproject.toml [tool.mypy]: src/pilotzone, zero errors; an ignore names its code and reason)
uv run --frozen mypy
exec uv run --frozen pytest -p no:cacheprovider "$@"
