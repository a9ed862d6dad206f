#!/usr/bin/env bash
# Re-extract the catalogue template from the code and merge it into en and nl.
# Then translate the new, empty or fuzzy entries in bot/locale/nl/LC_MESSAGES/messages.po.
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel extract -F babel.cfg -k _ -k n_:1,2 -k N_ --no-default-keywords --no-location \
  --sort-output --omit-header -o bot/locale/messages.pot bot
pybabel update -i bot/locale/messages.pot -d bot/locale --no-fuzzy-matching --ignore-obsolete
