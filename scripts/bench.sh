#!/usr/bin/env bash
# Builds the benchmark harness in the default preset (Release) and runs it:
# the floor (the libsodium work per message, alone) against msgsim's whole
# cost per message, and their ratio per model. See docs/performance.md.
# Usage: scripts/bench.sh [--messages=N] [Google Benchmark options...]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset default -DMSGSIM_BENCHMARKS=ON >/dev/null
cmake --build --preset default -j "$(nproc)" --target msgsim_bench
exec build/default/benchmarks/msgsim_bench "$@"
