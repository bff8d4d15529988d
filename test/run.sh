#!/usr/bin/env bash
# The one test command (README "Run the tests", and what .ci/run calls).
# It installs everything the tests need on a fresh Debian machine, then runs
# the type check, the linter and every test file. Pass --no-install to skip
# the install step on a machine that already has it.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" != "--no-install" ]]; then
  # Debian packages for the real servers the tests start (each test starts
  # its own on 127.0.0.1 and stops it by PID). Listed here so a fresh
  # machine gets them from this one script. public-inbox: a local lore
  # (public-inbox-init, -httpd and its Perl importer) for test/lore.
  APT_PACKAGES=(postgresql public-inbox)
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
  npm ci --no-audit --no-fund
fi

echo "== typecheck"
npx tsc -p tsconfig.json --noEmit
echo "== lint"
npx eslint .
echo "== tests"
mapfile -t files < <(find test rules -name '*.test.ts' | sort)
if ((${#files[@]} == 0)); then
  echo "no test files found" >&2
  exit 1
fi
node --import tsx --test --test-reporter=spec "${files[@]}"
