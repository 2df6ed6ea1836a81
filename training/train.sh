#!/usr/bin/env bash
# The whole ShapesWorld recipe, one command (`npm run train`), deterministic seeds, CPU only.
# Checkpoints and logs go to training/out/ (not committed); packages to public/models/.
# SW_QUICK=1 runs a few-minute smoke version of every stage (same code paths, tiny schedules).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for p in python3-torch python3-onnx python3-numpy python3-pil libopenblas0-pthread; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

PY=/usr/bin/python3
OUT=${SW_OUT:-training/out}
mkdir -p "$OUT"
# The LLM stages have a wall-time budget as well as a step count (whichever ends first ends the
# cosine schedule), so that the recipe fits its time on a loaded 2-core machine. SW_LLM_MINUTES
# sets that budget (the shipped run: 50 on a 2-core machine shared with other work).
# SW_REUSE_VISION=1 rebuilds the encoder and segmenter checkpoints from the shipped package
# (training/rebuild.py) instead of retraining them: their code and seeds are unchanged, so that is
# what stage 1 produces, and it saves over an hour on 2 cores.
# SW_REUSE_AMG=1 takes the AMG defaults from the shipped manifest instead of rerunning the search
# (training/amg.py: deterministic, on its own seed range; ~50 min of one thread that the LLM stages
# would otherwise share).
if [ "${SW_QUICK:-0}" = 1 ]; then
  ENC=(--steps 20 --batch 8) SEG=(--steps 20) FEAT=(--scenes 256) LLM=(--steps 40) ABL=(--steps 20)
else
  M=${SW_LLM_MINUTES:-50}
  ENC=(--steps 900 --batch 24 --lr 2e-3) SEG=(--steps 800 --prompts 12) FEAT=(--scenes 3000)
  LLM=(--steps 4000 --minutes "$M" --questions-per-scene 10) ABL=("${LLM[@]}")
fi
T0=$(date +%s)
stamp() { echo "[$(date -u +%H:%M:%S)] $* (+$(( $(date +%s) - T0 ))s)"; }

# Stage 1: the ViT (dense pretraining) and the segmenter are independent: one thread each.
if [ "${SW_REUSE_VISION:-0}" = 1 ]; then
  stamp "stage 1: encoder + segmenter rebuilt from the shipped package"
  $PY -m training.rebuild > "$OUT/rebuild.log" 2>&1
else
  stamp "stage 1: encoder + segmenter"
  $PY -m training.train encoder "${ENC[@]}" --threads 1 > "$OUT/encoder.log" 2>&1 &
  ENC_PID=$!
  $PY -m training.train segmenter "${SEG[@]}" --threads 1 > "$OUT/segmenter.log" 2>&1 &
  SEG_PID=$!
  wait $ENC_PID
  wait $SEG_PID
fi

stamp "stage 2: feature bank"
$PY -m training.train features "${FEAT[@]}" > "$OUT/features.log" 2>&1

# Stage 3: the main projector + LLM alone (two threads), then the ablations two at a time (one
# thread each), each flipping one switch of the main recipe; the AMG threshold search runs beside
# the ablations. All five at once on 2 cores starved the two-thread main run (its threads wait on
# each other at every op: 25 steps in its first 8.7 min, against 0.27-0.45 steps/s alone).
ABLATIONS=(patch-only no-norm-scale no-oversample no-object-pos)
stamp "stage 3: projector + LLM (main)"
$PY -m training.train llm --name llm-main "${LLM[@]}" --threads 2 > "$OUT/llm-main.log" 2>&1
stamp "stage 3: ablations (two at a time), AMG defaults"
pids=()
if [ "${SW_REUSE_AMG:-0}" = 1 ]; then
  $PY -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))["segmenter"]["amg"], open(sys.argv[2], "w"))' \
    public/models/shapesworld/manifest.json "$OUT/amg.json"
else
  $PY -m training.amg --write "$OUT/amg.json" --threads 1 > "$OUT/amg.log" 2>&1 &
  pids+=($!)
fi
for pair in "patch-only no-norm-scale" "no-oversample no-object-pos"; do
  pair_pids=()
  for abl in $pair; do
    $PY -m training.train llm --name "llm-$abl" "--$abl" "${ABL[@]}" --threads 1 > "$OUT/llm-$abl.log" 2>&1 &
    pair_pids+=($!)
  done
  for p in "${pair_pids[@]}"; do wait "$p"; done
done
for p in "${pids[@]}"; do wait "$p"; done

stamp "export main"
$PY -m training.export --llm llm-main --out public/models/shapesworld --amg "$OUT/amg.json" \
  --reference tests/fixtures/shapesworld

for abl in "${ABLATIONS[@]}"; do
  $PY -m training.export --llm "llm-$abl" --out public/models/shapesworld --variant "$abl" --amg "$OUT/amg.json" \
    --name "ShapesWorld Mask-LLaVA (ablation: $abl)"
done

stamp "eval set, samples, composition vectors"
$PY -m training.make_assets all

stamp "python-side accuracy"
$PY -m training.evaluate --llm llm-main | tee "$OUT/evaluate.log"
stamp "done"
