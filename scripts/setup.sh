#!/usr/bin/env bash
# Installs everything the project needs from its lock files: Python packages (uv.lock) and the
# pinned browser assets (package-lock.json → static/vendor/), and compiles the message catalogs
# (translations/*/LC_MESSAGES/messages.po → messages.mo, git-ignored). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet "uv==0.13.9"
fi
uv sync --frozen --quiet
uv run --frozen python scripts/i18n.py compile
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: install Node.js 20+ (Debian: apt-get install -y nodejs npm)" >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
