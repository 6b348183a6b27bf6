#!/usr/bin/env bash
# LoRA trainer on CUDA: our trainer vs Hugging Face transformers + PEFT on a synthetic ~1.1B llama.
# Made for one H100/H200 with Python, PyTorch 2.x, transformers and PEFT: no Node.js, no network,
# no model files (the script generates its model and data). Time budget: 10 minutes for the whole
# run (typically a few minutes). Result: $OUT/train-gpu.json when $OUT is set, else
# bench/results/train-gpu.json. Without CUDA it exits with code 2; --cpu-smoke checks the script
# on the CPU with a tiny shape (measures nothing). Other options: bench/train-gpu.sh --help.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# A python3 that imports torch: $PYTHON, then python3 on PATH, then the system one.
py=""
for candidate in "${PYTHON:-}" python3 /usr/bin/python3 python; do
  [ -n "$candidate" ] || continue
  command -v "$candidate" >/dev/null 2>&1 || continue
  if "$candidate" -c 'import torch' >/dev/null 2>&1; then
    py="$candidate"
    break
  fi
done
if [ -z "$py" ]; then
  echo "train-gpu.sh: no python3 with PyTorch found (set PYTHON=/path/to/python)" >&2
  exit 2
fi

echo "train-gpu.sh: $("$py" --version 2>&1) ($(command -v "$py")); time budget 10 minutes" >&2
start=$(date +%s)
status=0
"$py" "$here/train_gpu.py" "$@" || status=$?
echo "train-gpu.sh: finished in $(($(date +%s) - start)) s (budget 600 s), exit code $status" >&2
exit "$status"
