#!/usr/bin/env bash
# The scale curve of docs/performance.md: for each size, a generated
# scenario (50 parties, the three protocols, four adversaries) run to a JSON
# report, with wall time, CPU time and peak memory (GNU time's maximum
# resident set size), and the same for loading alone (msgsim validate).
# Usage: scripts/scale.sh [MESSAGES...]   (default: 10000 100000)
# Environment: JOBS (default: every core), PARTIES (default 50), SEED (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target msgsim >/dev/null
[ -x /usr/bin/time ] || { echo "scale.sh needs GNU time (apt-get install time)" >&2; exit 2; }
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jobs=${JOBS:-$(nproc)}
printf '| messages | load: time | load: peak memory (MiB) | run: wall time | run: CPU time | run: peak memory (MiB) | JSON size (MB) |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|\n'
for m in "${sizes[@]}"; do
  build/default/msgsim generate --parties "${PARTIES:-50}" --messages "$m" --seed "${SEED:-1}" -o "$work/s.toml"
  /usr/bin/time -f '%e %M' -o "$work/load" build/default/msgsim validate "$work/s.toml" >/dev/null
  /usr/bin/time -f '%e %U %S %M' -o "$work/run" build/default/msgsim run "$work/s.toml" --format json -o "$work/out.json" -j "$jobs"
  read -r load_s load_kb <"$work/load"
  read -r run_s user_s sys_s run_kb <"$work/run"
  size=$(stat -c %s "$work/out.json")
  awk -v m="$m" -v ls="$load_s" -v lk="$load_kb" -v rs="$run_s" -v us="$user_s" -v ss="$sys_s" -v rk="$run_kb" -v sz="$size" \
    'BEGIN { printf "| %d | %.2f s | %.0f | %.1f s | %.1f s | %.0f | %.0f |\n", m, ls, lk/1024, rs, us+ss, rk/1024, sz/1e6 }'
  rm -f "$work/out.json"
done
