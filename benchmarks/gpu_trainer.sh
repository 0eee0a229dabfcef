#!/usr/bin/env bash
# Time the MNIST CNN trainer on one CUDA GPU. After a warm-up run (not counted), each recipe
# runs once per seed as a user runs it, a fresh process:
#   graph     the defaults (one epoch), the step replayed as one captured CUDA graph
#   wide      a wider CNN on larger batches, one epoch, also as a graph
#   eager     the defaults with --eager: every kernel launched from Python
#   compiled  the defaults with --compile (torch.compile, "reduce-overhead")
# Prints each run's JSON line and a summary that gives, apart, the training time, the warm-up
# (graph capture, or compilation under --compile) and the end-to-end time of the whole command,
# with the torch version and the device; everything goes to $OUT/gpu.log. About 2 minutes.
#
#   bash benchmarks/gpu_trainer.sh [DATA_DIR]          # DATA_DIR defaults to .devwork/mnist
#
# .devwork/ is ignored by git: copy the four MNIST .gz files to .devwork/mnist and name .devwork
# among the paths that travel with the working tree to the GPU machine.
#
# Environment: OUT (default .devwork/out), PYTHON (python3), TRAINER_DEVICE (cuda),
# SEEDS (5), EAGER_SEEDS (5), COMPILE_SEEDS (2), WIDE_FLAGS (the wide recipe below).
# Dry run without a GPU, same steps on a tiny budget:
#   PYTHON=.venv/bin/python TRAINER_DEVICE=cpu TRAINER_EXTRA="--limit-train 4000" SEEDS=2 \
#       EAGER_SEEDS=1 COMPILE_SEEDS=0 bash benchmarks/gpu_trainer.sh "$QUIZ_MNIST_DIR"
set -u

DATA_DIR=${1:-.devwork/mnist}
OUT=${OUT:-.devwork/out}
PYTHON=${PYTHON:-python3}
DEVICE=${TRAINER_DEVICE:-cuda}
WIDE_FLAGS=${WIDE_FLAGS:---width 32 --batch-size 256 --lr 0.4}
EXTRA=${TRAINER_EXTRA:-}
SEEDS=${SEEDS:-5}
EAGER_SEEDS=${EAGER_SEEDS:-5}
COMPILE_SEEDS=${COMPILE_SEEDS:-2}
TRAINER=solutions/mnist_trainer.py
# The trainer reads MNIST through quiz.mnist: from the repository root, quiz needs no install.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

mkdir -p "$OUT"
LOG=$OUT/gpu.log
RUNS=$OUT/gpu_runs.jsonl
: >"$RUNS"

# run LABEL SECONDS ARGS...: one trainer run; its JSON line goes to the log and, labelled, to $RUNS.
# A failed or timed-out run is reported and the benchmark goes on.
run() {
    local label=$1 limit=$2
    shift 2
    local line status start end
    start=$(date +%s.%N)
    line=$(
        set -o pipefail
        timeout "$limit" "$PYTHON" "$TRAINER" --device "$DEVICE" --data-dir "$DATA_DIR" \
            --json "$@" | tail -n 1
    )
    status=$?
    end=$(date +%s.%N)
    if [ "$status" -ne 0 ] || [ -z "$line" ]; then
        echo "$label: FAILED (exit $status)"
        return 0
    fi
    local seconds
    seconds=$(awk "BEGIN { print $end - $start }")
    echo "$label: $line (end to end ${seconds} s)"
    echo "{\"label\": \"$label\", \"end_to_end_seconds\": $seconds, \"run\": $line}" >>"$RUNS"
}

summarise() {
    "$PYTHON" - "$RUNS" <<'PY'
import json, statistics, sys

import torch

runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
device = next((r["run"].get("device_name", r["run"]["device"]) for r in runs), "no run")
print(f"torch {torch.__version__}, device {device}")
for kind in ("graph", "wide", "eager", "compiled"):
    done = [r for r in runs if r["label"].rstrip("0123456789") == kind]
    if not done:
        print(f"{kind}: no run finished")
        continue
    acc = [r["run"]["test_accuracy"] * 100 for r in done]
    secs = [r["run"]["train_seconds"] for r in done]
    warm = [r["run"]["warmup_seconds"] for r in done]
    whole = [r["end_to_end_seconds"] for r in done]
    print(f"{kind}, {len(done)} seeds: test accuracy mean {statistics.mean(acc):.2f}% "
          f"(min {min(acc):.2f}, max {max(acc):.2f}), {sum(a >= 99.0 for a in acc)} at >= 99.0%; "
          f"training median {statistics.median(secs):.3f} s (min {min(secs):.3f}, "
          f"max {max(secs):.3f}); warm-up{' and compilation' if kind == 'compiled' else ''} "
          f"median {statistics.median(warm):.2f} s (max {max(warm):.2f}); "
          f"end to end median {statistics.median(whole):.2f} s (max {max(whole):.2f})")
PY
}

benchmark() {
    echo "== machine"
    nvidia-smi -L 2>/dev/null || echo "nvidia-smi: not available"
    "$PYTHON" -c 'import torch; c = torch.cuda.is_available(); print("torch", torch.__version__,
"cuda", torch.version.cuda, "available", c, torch.cuda.get_device_name() if c else "")' \
        || echo "torch: failed to import"
    echo "data: $DATA_DIR  device: $DEVICE  extra flags: $EXTRA"

    echo "== warm-up run (not counted)"
    run warmup 120 $EXTRA --seed 0

    echo "== graph: the defaults, $SEEDS seeds"
    for seed in $(seq 1 "$SEEDS"); do
        run "graph$seed" 120 $EXTRA --seed "$seed"
    done

    echo "== wide: $WIDE_FLAGS, $SEEDS seeds"
    for seed in $(seq 1 "$SEEDS"); do
        run "wide$seed" 120 $WIDE_FLAGS $EXTRA --seed "$seed"
    done

    echo "== eager: the defaults with --eager, $EAGER_SEEDS seeds"
    for seed in $(seq 1 "$EAGER_SEEDS"); do
        run "eager$seed" 120 $EXTRA --eager --seed "$seed"
    done

    echo "== compiled: the defaults with --compile, $COMPILE_SEEDS seeds (warm-up includes compilation)"
    for seed in $(seq 1 "$COMPILE_SEEDS"); do
        run "compiled$seed" 180 $EXTRA --compile --seed "$seed"
    done

    echo "== summary"
    summarise
    echo "log: $LOG"
}

benchmark 2>&1 | tee "$LOG"
