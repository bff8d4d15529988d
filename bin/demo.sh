#!/usr/bin/env bash
# `npm run demo`: the main job on the embedded default (SQLite store, maildir
# outbox, nothing sent), offline, on shipped fixtures (config/demo.yaml).
# Installs the dependencies first on a fresh checkout; starts from a clean
# demo state each time, then shows the replies the bot would have sent.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
rm -rf .ptbot/demo
node bin/ptbot.js poll --once --config config/demo.yaml 2> .ptbot-demo.log || { cat .ptbot-demo.log >&2; exit 1; }
mkdir -p .ptbot/demo && mv .ptbot-demo.log .ptbot/demo/poll.log
echo "poll log: .ptbot/demo/poll.log (JSON lines); store: .ptbot/demo/state.sqlite"
shopt -s nullglob
replies=(.ptbot/demo/outbox/new/*.eml)
echo "${#replies[@]} reply(ies) in the outbox .ptbot/demo/outbox/new/:"
for r in "${replies[@]}"; do
  echo "======== $r"
  cat "$r"
done
