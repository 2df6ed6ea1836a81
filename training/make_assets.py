"""Shipped data generated from the one world definition and the one composition definition.

  python3 -m training.make_assets vectors   -> tests/fixtures/composition-vectors.json
  python3 -m training.make_assets evalset   -> public/eval/shapesworld/ (scenes, questions, GT masks) and
                                               public/eval/shapesworld-crowded/ (12-20 shapes per scene)
  python3 -m training.make_assets samples   -> public/samples/ (demo scenes + index.json)
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch
from PIL import Image

from . import composition as C
from .seeds import scene_seed
from .shapesworld import MASK_SIZE, QUESTION_TYPES, generate_scene, make_question, rle_encode
from .train import OUT

VECTORS_FORMAT = (
    'Shared test vectors for docs/composition.md, written by training/make_assets.py (Python, float64). '
    'Each case: grid [gh, gw]; hiddenSize D; maskResolution M; hidden = encoder output [1+N, D] flattened '
    'row-major (row 0 = CLS, then patch y*gw+x); masks = list of bit-packed M x M masks (row-major, 32 '
    'pixels per uint32 word, bit i%32 of word i>>5 is pixel i = y*M+x), words as unsigned integers; '
    'coverage[k] = adaptive average pooling of mask k to gh x gw, flattened row-major; '
    'objectTokens[k] = poolMask of mask k before norm scaling [D] (null for an empty mask: EmptyMaskError); '
    'scores + prune {iouThreshold, maxCount} -> kept (indices into masks, in pruned order); '
    'plans: for each {budget, policy, normScale, objectPosition}: plan {cls, grid: [rows, cols], objects} computed '
    'with K = kept.length, tokens = composed visual tokens [T, D] flattened row-major in layout order '
    '[CLS][patches row-major][first plan.objects kept masks], object tokens plus the object position embedding '
    'when objectPosition is box-sincos; kinds = one of cls|patch|object per token; '
    'objectPositions[k] = the box-sincos embedding of mask k [D] (null for an empty mask). '
    'Compare numbers with a tolerance of 1e-4 (relative to 1 + |expected|).'
)


def pack_mask(mask: np.ndarray) -> list[int]:
    """Bit-pack a bool M x M mask into uint32 words as docs/composition.md specifies."""
    flat = mask.reshape(-1).astype(np.uint64)
    words = [0] * ((flat.size + 31) // 32)
    for i in np.nonzero(flat)[0]:
        words[i >> 5] |= 1 << (int(i) % 32)
    return words


def _rand_mask(rng: np.random.Generator, m: int) -> np.ndarray:
    yy, xx = np.mgrid[0:m, 0:m]
    cx, cy = rng.uniform(0, m, 2)
    r = rng.uniform(1.5, m / 3)
    if rng.random() < 0.5:
        return (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    return (abs(xx - cx) <= r) & (abs(yy - cy) <= r * rng.uniform(0.4, 1.0))


def vector_case(name: str, seed: int, gh: int, gw: int, d: int, m: int, n_masks: int, budgets: list[int]) -> dict:
    """One case of the shared composition vectors."""
    rng = np.random.default_rng(seed)
    hidden = torch.from_numpy(rng.normal(0, 1, (1 + gh * gw, d)))
    hidden[0] *= 4.0  # CLS with a different norm, as real encoders have
    masks = [_rand_mask(rng, m) for _ in range(n_masks)]
    masks.append(masks[0] | _rand_mask(rng, m) & False)  # exact duplicate of mask 0: pruned
    scores = [round(float(s), 3) for s in rng.uniform(0, 1, len(masks))]
    scores[-1] = scores[0]  # tie with mask 0: the lower index wins
    masks.append(np.zeros((m, m), bool))  # empty mask with the best score: never kept
    scores.append(1.0)
    mt = torch.from_numpy(np.stack(masks))
    patches = hidden[1:]
    max_count = n_masks
    kept = C.prune_masks(mt, scores, 0.5, max_count)
    kept_masks = mt[kept]
    plans = []
    for b in budgets:
        for policy in ('balanced', 'patch-only', 'object-first'):
            for norm, pos in (('per-image', 'none'), ('none', 'none'), ('per-image', 'box-sincos'), ('none', 'box-sincos')):
                if policy == 'patch-only' and (norm, pos) != ('per-image', 'none'):
                    continue
                plan = C.plan_tokens(b, len(kept), gh, gw, policy)
                toks, kinds = C.compose(hidden, gh, gw, kept_masks, plan, norm, pos)
                plans.append({'budget': b, 'policy': policy, 'normScale': norm, 'objectPosition': pos,
                              'plan': {'cls': plan.cls, 'grid': list(plan.grid), 'objects': plan.objects},
                              'tokens': [round(float(v), 7) for v in toks.reshape(-1)], 'kinds': kinds})
    return {
        'name': name, 'grid': [gh, gw], 'hiddenSize': d, 'maskResolution': m,
        'hidden': [round(float(v), 7) for v in hidden.reshape(-1)],
        'masks': [pack_mask(x) for x in masks],
        'coverage': [[round(float(v), 7) for v in C.coverage(x, gh, gw).reshape(-1)] for x in mt],
        'objectTokens': [[round(float(v), 7) for v in C.pool_mask(patches, x, gh, gw)] if x.any() else None for x in mt],
        'objectPositions': [[round(float(v), 7) for v in C.object_position(x, d)] if x.any() else None for x in mt],
        'scores': scores,
        'prune': {'iouThreshold': 0.5, 'maxCount': max_count},
        'kept': kept,
        'plans': plans,
    }


def write_vectors(path: str) -> None:
    """tests/fixtures/composition-vectors.json."""
    cases = [
        vector_case('grid 4x4, M=16', 1, 4, 4, 8, 16, 4, [1, 5, 9, 15, 17, 40]),
        vector_case('grid 5x3 (non-square), M=16', 2, 5, 3, 8, 16, 5, [2, 8, 15, 16, 30]),
        vector_case('grid 6x6, M=16 (uneven pooling)', 3, 6, 6, 8, 16, 3, [4, 15, 29, 42, 57]),
    ]
    plan_table = [{'budget': b, 'k': k, 'grid': [24, 24], 'policy': 'balanced',
                   'plan': vars(C.plan_tokens(b, k, 24, 24)) | {'grid': list(C.plan_tokens(b, k, 24, 24).grid)}}
                  for b in (1, 2, 15, 29, 42, 57, 100, 600) for k in (0, 3, 20, 50)]
    with open(path, 'w') as f:
        json.dump({'format': VECTORS_FORMAT, 'cases': cases, 'planTable': plan_table}, f, separators=(',', ':'))
    print(f'wrote {path}: {os.path.getsize(path) / 1e3:.0f} KB')


def write_evalset(folder: str, stage: str, scenes: int, per_scene: int) -> None:
    """Held-out scenes (PNG) of seed-range `stage` ('eval'/'val': standard scenes, 'eval-crowded'/
    'val-crowded': crowded ones), questions balanced over types, and GT masks as RLE at 64x64."""
    os.makedirs(f'{folder}/images', exist_ok=True)
    crowded = stage.endswith('-crowded')
    rng = np.random.default_rng(scene_seed(stage, 0))
    questions, masks = [], {}
    for i in range(scenes):
        seed = scene_seed(stage, i)
        sc = generate_scene(seed, crowded=crowded)
        fname = f'images/scene_{i:04d}.png'
        Image.fromarray(sc.image).save(f'{folder}/{fname}', optimize=True)
        masks[fname] = [{'color': o.color, 'shape': o.shape, 'rle': rle_encode(mk)} for o, mk in zip(sc.objects, sc.masks())]
        seen: set[str] = set()
        for j in range(per_scene):
            for _ in range(5):
                q = make_question(sc, rng, QUESTION_TYPES[(i * per_scene + j) % len(QUESTION_TYPES)])
                if q['question'] not in seen:
                    break
            seen.add(q['question'])
            questions.append({'image': fname, 'seed': seed, **q})
    with open(f'{folder}/questions.json', 'w') as f:
        kind = 'crowded scenes (12-20 shapes); ' if crowded else ''
        json.dump({'format': kind + 'image is relative to this file; type is one of ' + ', '.join(QUESTION_TYPES)
                   + '; answers are single words', 'questions': questions}, f, indent=0)
    with open(f'{folder}/masks.json', 'w') as f:
        json.dump({'format': f'per image, its objects in drawing order with visible instance masks at {MASK_SIZE}x{MASK_SIZE} '
                   'covering the whole scene (pixel y*64+x), as run lengths of row-major pixels starting with a run '
                   'of 0s (possibly empty)', 'size': MASK_SIZE, 'masks': masks}, f, separators=(',', ':'))
    by_type = {t: sum(q['type'] == t for q in questions) for t in QUESTION_TYPES}
    print(f'wrote {folder}: {scenes} scenes, {len(questions)} questions {by_type}')


def write_samples(folder: str, n: int) -> None:
    """Demo sample scenes with a few questions each."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(scene_seed('samples', 0))
    index = []
    for i in range(n):
        seed = scene_seed('samples', i)
        sc = generate_scene(seed, crowded=i == n - 1)  # the last sample is a crowded scene
        fname = f'shapesworld-{i}.png'
        Image.fromarray(sc.image).save(f'{folder}/{fname}', optimize=True)
        qs = [make_question(sc, rng, t) for t in QUESTION_TYPES]
        index.append({'file': fname, 'seed': seed, 'objects': [{'color': o.color, 'shape': o.shape} for o in sc.objects],
                      'questions': qs})
    with open(f'{folder}/index.json', 'w') as f:
        json.dump({'format': 'ShapesWorld demo scenes (training/make_assets.py samples); file is relative to this index',
                   'samples': index}, f, indent=1)
    print(f'wrote {n} samples to {folder}')


def main() -> None:
    """CLI entry point."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('what', choices=['vectors', 'evalset', 'samples', 'valset', 'all'])
    p.add_argument('--scenes', type=int, default=250)
    p.add_argument('--crowded', type=int, default=60, help='scenes of the crowded evaluation set')
    p.add_argument('--per-scene', type=int, default=4)
    a = p.parse_args()
    if a.what in ('vectors', 'all'):
        write_vectors('tests/fixtures/composition-vectors.json')
    if a.what in ('evalset', 'all'):
        write_evalset('public/eval/shapesworld', 'eval', a.scenes, a.per_scene)
        write_evalset('public/eval/shapesworld-crowded', 'eval-crowded', a.crowded, a.per_scene)
    if a.what in ('samples', 'all'):
        write_samples('public/samples', 6)
    if a.what in ('valset', 'all'):  # model selection only: never shipped, never reported as a result
        write_evalset(f'{OUT}/val', 'val', a.scenes, a.per_scene)
        write_evalset(f'{OUT}/val-crowded', 'val-crowded', a.crowded, a.per_scene)


if __name__ == '__main__':
    main()
