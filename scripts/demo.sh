#!/usr/bin/env bash
# From a fresh machine to the flagship lesson on the terminal: installs what
# is missing, builds, and runs scenarios/article.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh default
exec build/default/msgsim run scenarios/article.toml "$@"
