#!/usr/bin/env bash
# Regenerate the generated migration of one or more Piccolo apps from their table classes:
#   migrations/regenerate.sh certification funding
# Deletes migrations/<app>/<app>_2026_12_05t00_00_00_tables.py, runs `piccolo migrations new <app> --auto`
# (no database needed: with no earlier migration in the folder Piccolo writes every table of the app),
# gives the new file the fixed name and ID, so it keeps running before the app's raw migration
# (<app>_2026_12_05t00_00_01_raw.py, kept as it is), writes it one call per line (compact.py) and checks
# that Piccolo then sees no change. See migrations/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PICCOLO_CONF=pilotzone.piccolo_conf
for app in "$@"; do
  dir="migrations/$app"
  test -d "$dir" || { echo "no such app folder: $dir" >&2; exit 1; }
  rm -f "$dir/${app}_2026_12_05t00_00_00_tables.py"
  if compgen -G "$dir/${app}_*.py" | grep -v "_raw.py$" >/dev/null; then
    echo "$dir holds another generated migration: fold it in first (see migrations/README.md)" >&2; exit 1
  fi
  uv run --frozen piccolo migrations new "$app" --auto --desc tables >/dev/null
  new=$(ls -t "$dir"/"${app}"_*.py | grep -v "_raw.py$" | head -1)
  sed -i -E 's/^ID = ".*"/ID = "2026-12-05T00:00:00:000000"/; s/^DESCRIPTION = ".*"/DESCRIPTION = "the tables of the app (generated: migrations\/regenerate.sh)"/' "$new"
  mv "$new" "$dir/${app}_2026_12_05t00_00_00_tables.py"
  uv run --frozen python migrations/compact.py "$dir/${app}_2026_12_05t00_00_00_tables.py"
  # the compacted file must describe the same tables: Piccolo finds nothing to add
  said=$(uv run --frozen piccolo migrations new "$app" --auto 2>&1)
  if ! grep -q "No changes detected" <<<"$said"; then
    echo "$app: piccolo still sees changes after compacting (a migration was written: delete it)" >&2; exit 1
  fi
done
