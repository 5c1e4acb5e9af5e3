#!/usr/bin/env bash
# Do the ci golden values hold on another machine? Runs every notebook under ci, each variant from an empty cache,
# and compares with tests/golden/: OMP_NUM_THREADS=1 and =4 (the kit's thread policy must make them irrelevant),
# torch's AVX2 and plain (no vector unit) kernels instead of this CPU's own, and two threads per unit instead of one.
# Usage: bash benchmarks/golden_variants.sh [VARIANT ...]   (variants: omp1 omp4 avx2 default threads2)
# Prints one line per notebook and variant; the summary goes to reports/golden-variants/summary.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
export TQDM_DISABLE=1 PYTHONHASHSEED=0
out=reports/golden-variants
mkdir -p "$out"
variants=("$@")
[ ${#variants[@]} -eq 0 ] && variants=(omp1 omp4 avx2 default threads2)
mapfile -t names < <(.venv/bin/python -c "from a2vlib.params import list_notebooks; print('\n'.join(list_notebooks()))")
for v in "${variants[@]}"; do
  envs=(); extra=()
  case "$v" in
    omp1) envs=(OMP_NUM_THREADS=1 MKL_NUM_THREADS=1) ;;
    omp4) envs=(OMP_NUM_THREADS=4 MKL_NUM_THREADS=4) ;;
    avx2) envs=(ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2) ;;
    default) envs=(ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41) ;;
    threads2) extra=(-p threads=2) ;;
    *) echo "unknown variant $v"; exit 2 ;;
  esac
  cache=$(mktemp -d /tmp/a2v-variant-cache.XXXXXX)
  start=$(date +%s)
  for nb in "${names[@]}"; do
    env "${envs[@]}" A2V_CACHE="$cache" .venv/bin/a2v run "$nb" --profile ci --reports-dir "$out/$v" "${extra[@]}" \
      > "$out/$v.$nb.log" 2>&1
    if env "${envs[@]}" .venv/bin/a2v golden "$nb" --profile ci --reports-dir "$out/$v" > "$out/$v.$nb.golden" 2>&1; then
      verdict=pass
    else
      verdict="FAIL ($(grep -c 'pinned\|missing' "$out/$v.$nb.golden") figure(s))"
    fi
    echo "$v $nb $verdict" | tee -a "$out/summary.txt"
  done
  echo "$v: $(( $(date +%s) - start )) s" | tee -a "$out/summary.txt"
  rm -rf "$cache"
done
