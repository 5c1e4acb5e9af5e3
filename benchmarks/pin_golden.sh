#!/usr/bin/env bash
# Pin the ci golden values with tolerances from each figure's spread over seeds: every notebook under ci (seed 0,
# the pinned run), then again with seeds 1, 2 and 3. One notebook at a time, each unit on the kit's thread count.
# Usage: bash benchmarks/pin_golden.sh [NOTEBOOK ...]   (about 4 ci runs of each notebook)
set -euo pipefail
cd "$(dirname "$0")/.."
export TQDM_DISABLE=1 PYTHONHASHSEED=0
export A2V_CACHE="${A2V_CACHE:-$(mktemp -d /tmp/a2v-pin-cache.XXXXXX)}"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then mapfile -t names < <(.venv/bin/python -c "from a2vlib.params import list_notebooks; print('\n'.join(list_notebooks()))"); fi
for nb in "${names[@]}"; do
  .venv/bin/a2v run "$nb" --profile ci
  .venv/bin/a2v golden "$nb" --profile ci --update --spread 1,2,3
done
