#!/usr/bin/env bash
# From a fresh machine to every test: installs what is missing, then builds
# and runs the whole suite twice, in Release (warnings as errors) and under
# AddressSanitizer + UndefinedBehaviorSanitizer, then runs the notebooks.
# Usage: scripts/test.sh [--quick]   (--quick: the default preset only)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --notebooks
presets=(default asan)
[[ "${1:-}" == "--quick" ]] && presets=(default)
for p in "${presets[@]}"; do
  echo "== build and test: $p"
  scripts/build.sh "$p"
  ctest --preset "$p"
done
echo "== notebooks"
scripts/run-notebooks.sh build/default/msgsim
