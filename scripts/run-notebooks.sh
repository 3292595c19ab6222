#!/usr/bin/env bash
# Executes every notebook in notebooks/ with Debian's Jupyter against a built
# msgsim; fails if any cell fails (the notebooks assert what they show).
# Usage: scripts/run-notebooks.sh [PATH_TO_MSGSIM]
set -euo pipefail
cd "$(dirname "$0")/.."
export MSGSIM="$(realpath "${1:-build/default/msgsim}")"
export MSGSIM_ROOT="$PWD"
out="$PWD/build/notebooks"
export MSGSIM_NOTEBOOK_OUT="$out"
mkdir -p "$out"
n=0
for nb in notebooks/*.ipynb; do
  /usr/bin/python3 -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=300 \
    --output-dir "$out" "$nb" >/dev/null 2>"$out/$(basename "$nb").log" \
    || { cat "$out/$(basename "$nb").log" >&2; echo "notebook failed: $nb" >&2; exit 1; }
  echo "notebook ok: $nb"
  n=$((n + 1))
done
echo "notebooks: $n passed, 0 failed"
