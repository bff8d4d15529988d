#!/usr/bin/env bash
# `npm run demo`: the main job on the embedded default, offline, on shipped
# fixtures. Installs the dependencies first on a fresh checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
set +e
node bin/ptbot.js analyze \
  fixtures/lore/threads/arm64_vmalloc_huge_ptdump \
  fixtures/lore/threads/lazy_mmu_nesting \
  fixtures/lore/bugs/x86_free_pmd_pte_page_no_tlb_purge/introducing.patch \
  fixtures/lore/bugs/arm64_lazy_mmu_nesting/introducing.patch
code=$?
# Exit 1 means "findings were reported", which is what a demo is for.
if [[ $code -le 1 ]]; then exit 0; fi
exit $code
