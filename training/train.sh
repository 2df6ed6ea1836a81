#!/usr/bin/env bash
# The whole ShapesWorld recipe, one command (`npm run train`), deterministic seeds. CPU by default;
# SW_DEVICE=cuda runs the feature bank and the LLM stages on a GPU with the same code and schedule.
# Checkpoints and logs go to training/out/ (not committed); packages to public/models/.
# SW_QUICK=1 runs a few-minute smoke version of every stage (same code paths, tiny schedules).
set -euo pipefail
cd "$(dirname "$0")/.."

# SW_PYTHON picks another interpreter (a GPU machine's own PyTorch); Debian's packages otherwise.
PY=${SW_PYTHON:-/usr/bin/python3}
if [ -z "${SW_PYTHON:-}" ]; then
  need=()
  for p in python3-torch python3-onnx python3-numpy python3-pil libopenblas0-pthread; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

OUT=${SW_OUT:-training/out}
mkdir -p "$OUT"
# The LLM stages run a fixed number of steps. SW_LLM_STEPS sets the main recipe run's (default
# below, as shipped); SW_LLM_MINUTES adds a wall-time budget to the recipe, polish and v2 runs
# (whichever of steps/minutes comes first ends the cosine schedule) for a machine that cannot
# finish the steps. The JSON beside each checkpoint records the steps it ran.
# SW_REUSE_VISION=1 rebuilds the encoder and segmenter checkpoints from the shipped package
# (training/rebuild.py) instead of retraining them: their code and seeds are unchanged, so that is
# what stage 1 produces, and it saves over an hour on 2 cores.
# SW_REUSE_AMG=1 takes the AMG defaults from the shipped manifest instead of rerunning the search
# (training/amg.py: deterministic, on its own seed range; ~50 min of one thread).
DEV=${SW_DEVICE:-cpu}
CORES=$(nproc)
if [ "${SW_QUICK:-0}" = 1 ]; then
  ENC=(--steps 20 --batch 8) SEG=(--steps 20) FEAT=(--scenes 256) PRE=(--position-first 20) LLM=(--steps 40)
  POLISH=(--steps 20) POLISH_HI=(--steps 20) ABL=(--steps 20)
else
  ENC=(--steps 900 --batch 24 --lr 2e-3) SEG=(--steps 800 --prompts 12) FEAT=(--scenes 8000)
  SHAPE=(--scenes-per-step 32 --questions-per-scene 10)
  PRE=(--position-first 1500 "${SHAPE[@]}")
  LLM=(--steps "${SW_LLM_STEPS:-2000}" "${SHAPE[@]}")
  POLISH=(--steps 600 "${SHAPE[@]}")
  POLISH_HI=(--steps 800 "${SHAPE[@]}")
  # The v2 runs (the v2 model and its ablations) keep the v2 recipe (1600 steps, no pre-phase, no position words).
  ABL=(--steps 1600 "${SHAPE[@]}")
  [ -n "${SW_LLM_MINUTES:-}" ] && LLM+=(--minutes "$SW_LLM_MINUTES") && POLISH+=(--minutes "$SW_LLM_MINUTES") \
    && POLISH_HI+=(--minutes "$SW_LLM_MINUTES") && ABL+=(--minutes "$SW_LLM_MINUTES")
fi
# The v3 main recipe: a pre-phase of position questions on object tokens alone (its own run, its
# learning rate annealed to zero), then the recipe from its weights, rehearsing the pre-phase on a
# quarter of the steps; object tokens ground their side words, half the position questions ask for
# the relation word (training/README.md, "The v3 run"). Polish runs then continue, each from the
# previous run's weights (a fresh schedule, same seed), rehearsing position on a tenth of the
# steps: two at a quarter of the recipe's learning rate (600 steps), then three at half of it (800
# steps, POLISH_HI): llm-recipe -> llm-polish -> llm-polish2 -> llm-polish3 -> llm-polish4 -> llm-main.
V3=(--place-words --relation-words 0.5)
PRE+=(--steps 0 "${V3[@]}")
LLM+=(--init llm-pre --position-share 0.25 "${V3[@]}")
POLISH+=(--lr 5e-4 --position-share 0.1 "${V3[@]}")
POLISH_HI+=(--lr 1e-3 --position-share 0.1 "${V3[@]}")
# SW_RESUME=1 continues LLM runs paused with `train.py llm --until` (or stopped between their
# 50-step saves) from training/out/<name>.state.pt; the weights end as an uninterrupted run's.
[ "${SW_RESUME:-0}" = 1 ] && PRE+=(--resume) && LLM+=(--resume) && POLISH+=(--resume) && POLISH_HI+=(--resume) \
  && ABL+=(--resume)
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
$PY -m training.train features "${FEAT[@]}" --device "$DEV" --workers "$CORES" > "$OUT/features.log" 2>&1

# Stage 3: the main projector + LLM (v3 recipe), the v2 recipe's main run (`v2`, the previously
# shipped model) and four ablations, each flipping one switch of the v2 recipe. On a GPU all train
# at once. On 2 cores the main run goes alone (two threads), then the v2 runs two at a time (one
# thread each): all at once starved the two-thread main run (its threads wait on each other at
# every op: 25 steps in its first 8.7 min).
VARIANTS=(v2 patch-only no-norm-scale no-oversample object-pos)
switch() { [ "$1" = v2 ] || echo "--$1"; }  # the v2 run flips no switch
llm() {  # name, threads, switches...
  local name=$1 threads=$2
  shift 2
  $PY -m training.train llm --name "$name" "$@" --device "$DEV" --threads "$threads" > "$OUT/$name.log" 2>&1
}
pids=()
if [ "${SW_REUSE_AMG:-0}" = 1 ]; then
  $PY -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))["segmenter"]["amg"], open(sys.argv[2], "w"))' \
    public/models/shapesworld/manifest.json "$OUT/amg.json"
else
  $PY -m training.amg --write "$OUT/amg.json" --threads 1 > "$OUT/amg.log" 2>&1 &
  pids+=($!)
fi
if [ "$DEV" != cpu ]; then
  stamp "stage 3: projector + LLM, main and ablations at once on $DEV"
  { llm llm-pre 2 "${PRE[@]}" && llm llm-recipe 2 "${LLM[@]}" && llm llm-polish 2 --init llm-recipe "${POLISH[@]}" \
    && llm llm-polish2 2 --init llm-polish "${POLISH[@]}" && llm llm-polish3 2 --init llm-polish2 "${POLISH_HI[@]}" \
    && llm llm-polish4 2 --init llm-polish3 "${POLISH_HI[@]}" && llm llm-main 2 --init llm-polish4 "${POLISH_HI[@]}"; } & pids+=($!)
  for v in "${VARIANTS[@]}"; do llm "llm-$v" 2 $(switch "$v") "${ABL[@]}" & pids+=($!); done
else
  stamp "stage 3: projector + LLM (main)"
  llm llm-pre 2 "${PRE[@]}"
  llm llm-recipe 2 "${LLM[@]}"
  llm llm-polish 2 --init llm-recipe "${POLISH[@]}"
  llm llm-polish2 2 --init llm-polish "${POLISH[@]}"
  llm llm-polish3 2 --init llm-polish2 "${POLISH_HI[@]}"
  llm llm-polish4 2 --init llm-polish3 "${POLISH_HI[@]}"
  llm llm-main 2 --init llm-polish4 "${POLISH_HI[@]}"
  stamp "stage 3: the v2 runs (two at a time)"
  for pair in "v2 patch-only" "no-norm-scale no-oversample" "object-pos"; do
    pair_pids=()
    for v in $pair; do llm "llm-$v" 1 $(switch "$v") "${ABL[@]}" & pair_pids+=($!); done
    for p in "${pair_pids[@]}"; do wait "$p"; done
  done
fi
for p in "${pids[@]}"; do wait "$p"; done

stamp "export main"
$PY -m training.export --llm llm-main --out public/models/shapesworld --amg "$OUT/amg.json" \
  --reference tests/fixtures/shapesworld

for v in "${VARIANTS[@]}"; do
  name="ablation: $v"
  [ "$v" = v2 ] && name="v2 recipe, the previously shipped main model"
  $PY -m training.export --llm "llm-$v" --out public/models/shapesworld --variant "$v" --amg "$OUT/amg.json" \
    --name "ShapesWorld Mask-LLaVA ($name)"
done

stamp "eval set, samples, composition vectors"
$PY -m training.make_assets all

stamp "python-side accuracy"
$PY -m training.evaluate --llm llm-main | tee "$OUT/evaluate.log"
stamp "done"
