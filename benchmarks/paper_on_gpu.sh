#!/usr/bin/env bash
# The paper profile on a GPU, in one short script (about 10 minutes on one H100-class GPU):
#   1. every notebook at smoke size with device cuda (every code path of the paper profile on the GPU: models,
#      judges, frame encoders, FID backbone, features), into reports/paper-smoke-cuda/;
#   2. the trainings' estimate of the full paper profile on the GPU, from timed paper-size iterations of every
#      kind of model the notebooks train, into reports/benchmarks/paper_estimate_cuda.json.
# Usage: bash benchmarks/paper_on_gpu.sh   (needs a CUDA GPU; `make setup` first). The CPU does the same with
# DEVICE=cpu (slow: a paper-size iteration there takes seconds to a minute).
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICE="${DEVICE:-cuda}"
PY="${PY:-.venv/bin/python}"
A2V="${A2V:-.venv/bin/a2v}"
OUT="reports/benchmarks"
mkdir -p "$OUT"
export TQDM_DISABLE=1
"$PY" -c "import torch; d='$DEVICE'; assert d != 'cuda' or torch.cuda.is_available(), 'no CUDA GPU here'; print('torch', torch.__version__, torch.cuda.get_device_name(0) if d == 'cuda' else 'cpu')"
status=0
for nb in $("$PY" -c "from a2vlib.params import profile_notebooks; print(' '.join(profile_notebooks('paper')))"); do
  start=$(date +%s)
  if "$A2V" run "$nb" --profile paper --smoke -p "device=$DEVICE" --reports-dir "reports/smoke-$DEVICE" >/dev/null; then
    echo "smoke $nb on $DEVICE: ok in $(( $(date +%s) - start )) s"
  else
    echo "smoke $nb on $DEVICE: FAILED (see reports/smoke-$DEVICE/paper-smoke/$nb/)"; status=1
  fi
done
"$PY" benchmarks/paper_estimate.py "$DEVICE" "$OUT/paper_estimate_$DEVICE.json"
exit $status
