#!/usr/bin/env bash
# Time the MNIST CNN trainer on one CUDA GPU: a warm-up run, five seeds with the fast GPU recipe
# in eager mode, then the same seeds with --compile (CUDA graphs). Prints each run's JSON line and a
# summary that gives, apart, the training time, the warm-up (compilation included under --compile)
# and the end-to-end time of the whole command, with the torch version and the device; everything
# goes to $OUT/gpu.log. About 3 minutes on an H200.
#
#   bash benchmarks/gpu_trainer.sh [DATA_DIR]          # DATA_DIR defaults to .devwork/mnist
#
# .devwork/ is ignored by git: copy the four MNIST .gz files to .devwork/mnist and name .devwork
# among the paths that travel with the working tree to the GPU machine.
#
# Environment: OUT (default .devwork/out), PYTHON (python3), TRAINER_DEVICE (cuda),
# TRAINER_FLAGS (the GPU recipe below), TRAINER_EXTRA (appended), SEEDS (5), COMPILE_SEEDS (5).
# Dry run without a GPU, same steps on a tiny budget:
#   PYTHON=.venv/bin/python TRAINER_DEVICE=cpu TRAINER_FLAGS="--epochs 1 --limit-train 4000 \
#       --batch-size 64" SEEDS=2 COMPILE_SEEDS=0 bash benchmarks/gpu_trainer.sh "$QUIZ_MNIST_DIR"
set -u

DATA_DIR=${1:-.devwork/mnist}
OUT=${OUT:-.devwork/out}
PYTHON=${PYTHON:-python3}
DEVICE=${TRAINER_DEVICE:-cuda}
# The GPU recipe: a wider CNN and larger batches than the CPU defaults, still two epochs.
FLAGS=${TRAINER_FLAGS:---width 32 --batch-size 256 --lr 0.4 --epochs 2}
EXTRA=${TRAINER_EXTRA:-}
SEEDS=${SEEDS:-5}
COMPILE_SEEDS=${COMPILE_SEEDS:-5}
TRAINER=solutions/mnist_trainer.py

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
for kind, prefix in (("eager", "seed"), ("compiled", "compile")):
    done = [r for r in runs if r["label"].startswith(prefix)]
    if not done:
        print(f"{kind}: no run finished")
        continue
    acc = [r["run"]["test_accuracy"] * 100 for r in done]
    secs = [r["run"]["train_seconds"] for r in done]
    warm = [r["run"]["warmup_seconds"] for r in done]
    whole = [r["end_to_end_seconds"] for r in done]
    print(f"{kind}, {len(done)} seeds: test accuracy mean {statistics.mean(acc):.2f}% "
          f"(min {min(acc):.2f}, max {max(acc):.2f}), {sum(a >= 99.0 for a in acc)} at >= 99.0%; "
          f"training mean {statistics.mean(secs):.3f} s (min {min(secs):.3f}, "
          f"max {max(secs):.3f}); warm-up{' and compilation' if kind == 'compiled' else ''} "
          f"mean {statistics.mean(warm):.1f} s (min {min(warm):.1f}, max {max(warm):.1f}); "
          f"end to end mean {statistics.mean(whole):.1f} s (max {max(whole):.1f})")
PY
}

benchmark() {
    echo "== machine"
    nvidia-smi -L 2>/dev/null || echo "nvidia-smi: not available"
    "$PYTHON" -c 'import torch; c = torch.cuda.is_available(); print("torch", torch.__version__,
"cuda", torch.version.cuda, "available", c, torch.cuda.get_device_name() if c else "")' \
        || echo "torch: failed to import"
    echo "data: $DATA_DIR  device: $DEVICE  flags: $FLAGS $EXTRA"

    echo "== warm-up run (not counted)"
    run warmup 120 $FLAGS $EXTRA --seed 0

    echo "== $SEEDS seeds"
    for seed in $(seq 1 "$SEEDS"); do
        run "seed$seed" 120 $FLAGS $EXTRA --seed "$seed"
    done

    echo "== $COMPILE_SEEDS seeds with torch.compile (warm-up includes compilation)"
    for seed in $(seq 1 "$COMPILE_SEEDS"); do
        run "compile$seed" 180 $FLAGS $EXTRA --seed "$seed" --compile
    done

    echo "== summary"
    summarise
    echo "log: $LOG"
}

benchmark 2>&1 | tee "$LOG"
