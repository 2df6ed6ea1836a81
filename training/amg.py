"""Reference automatic mask generation (AMG) for the trained segmenter, and its mask quality.

The runtime implements AMG in TypeScript; this is the Python reference used to measure mean best
IoU per ground-truth object at 64x64 and to choose the manifest's `segmenter.amg` defaults:

  grid of pointsPerSide^2 single fg points at ((i+0.5)/n * S) -> decoder in batches of
  pointsPerBatch -> all 3 masks per point -> keep predicted IoU > predIouThreshold and stability
  (area(logit > offset) / area(logit > -offset)) > stabilityThreshold and area >=
  minAreaFraction * m^2 -> greedy mask NMS at nmsThreshold in descending predicted-IoU order.

  python3 -m training.amg [--write out.json]   (grid search over thresholds on the AMG stage's own
  scenes, training/seeds.py 'amg': never an evaluation, sample or training scene)
  python3 -m training.amg --vectors tests/fixtures/amg-vectors.json   (parity vectors for src/masks/amg.ts)
"""

from __future__ import annotations

import argparse
import itertools
import json

import numpy as np
import torch

from . import composition as C
from .data import pixel_values
from .models import PromptMaskDecoder, SegVisionEncoder
from .seeds import scene_seed
from .shapesworld import SCENE_SIZE, generate_scene
from .train import load_segmenter


def point_grid(points_per_side: int, size: float) -> torch.Tensor:
    """Prompt points [n*n, 2] as (x, y) at cell centres of a size x size image, row-major."""
    c = (torch.arange(points_per_side) + 0.5) / points_per_side * size
    ys, xs = torch.meshgrid(c, c, indexing='ij')
    return torch.stack([xs.reshape(-1), ys.reshape(-1)], -1)


@torch.no_grad()
def raw_proposals(enc: SegVisionEncoder, dec: PromptMaskDecoder, image: np.ndarray, points_per_side: int,
                  points_per_batch: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """Decoder outputs for the point grid: iou [P*3], logits [P*3, m, m]."""
    emb, pos = enc(pixel_values(image[None]))
    pts = point_grid(points_per_side, SCENE_SIZE)
    ious, logits = [], []
    for i in range(0, len(pts), points_per_batch):
        p = pts[i:i + points_per_batch][None, :, None]
        iou, m = dec(p, torch.ones(p.shape[:3], dtype=torch.long), emb, pos)
        ious.append(iou[0].reshape(-1))
        logits.append(m[0].reshape(-1, *m.shape[-2:]))
    return torch.cat(ious), torch.cat(logits)


def stability_scores(logits: torch.Tensor, offset: float) -> torch.Tensor:
    """SAM's stability score per mask [K]: |logits > offset| / |logits > -offset| (0 if none above -offset)."""
    inter = (logits > offset).sum((-1, -2)).float()
    union = (logits > -offset).sum((-1, -2)).float().clamp(min=1)
    return inter / union


def filter_proposals(iou: torch.Tensor, logits: torch.Tensor, amg: dict) -> tuple[torch.Tensor, list[float]]:
    """Masks [K, m, m] (bool) and scores after thresholds and NMS, in descending score order."""
    masks, scores, _ = filter_proposal_ids(iou, logits, amg)
    return masks, scores


def filter_proposal_ids(iou: torch.Tensor, logits: torch.Tensor, amg: dict) -> tuple[torch.Tensor, list[float], list[int]]:
    """filter_proposals, also returning the kept masks' indices into the candidates."""
    stab = stability_scores(logits, amg['stabilityOffset'])
    masks = logits > 0
    area = masks.sum((-1, -2)).float()
    m2 = logits.shape[-1] ** 2
    keep = (iou > amg['predIouThreshold']) & (stab > amg['stabilityThreshold']) & (area >= amg['minAreaFraction'] * m2) & (area > 0)
    idx = torch.nonzero(keep)[:, 0]
    masks, scores = masks[idx], [float(s) for s in iou[idx]]
    kept = C.prune_masks(masks, scores, amg['nmsThreshold'])
    return masks[kept], [scores[i] for i in kept], [int(idx[i]) for i in kept]


def quality(proposals: torch.Tensor, gt: torch.Tensor) -> tuple[list[float], int, int]:
    """Best IoU per GT object, number of proposals matching a GT object (IoU > 0.5), proposal count."""
    best = [max((C.mask_iou(g, p) for p in proposals), default=0.0) for g in gt]
    matched = sum(any(C.mask_iou(g, p) > 0.5 for g in gt) for p in proposals)
    return best, matched, len(proposals)


def write_vectors(path: str) -> None:
    """tests/fixtures/amg-vectors.json: the point grid, stability scores and proposal filtering of
    this reference on synthetic decoder outputs (overlapping blobs, logits near the offset, a score
    exactly at the threshold), for the TypeScript AMG geometry (src/masks/amg.ts) to match."""
    rng = np.random.default_rng(20261129)
    grids = [{'n': n, 'size': size, 'points': point_grid(n, size).tolist()} for n, size in ((1, 64), (3, 96), (4, 50))]
    cases = []
    for case, (side, k) in enumerate(((16, 9), (20, 12), (24, 15))):
        yy, xx = np.mgrid[0:side, 0:side] + 0.5
        logits = np.empty((k, side, side), np.float32)
        for i in range(k):
            cx, cy = rng.uniform(0.2, 0.8, 2) * side
            r = rng.uniform(0.1, 0.3) * side
            # Signed distance to a circle, scaled so the band |logit| < offset is a few pixels wide,
            # plus noise: stability scores spread around the thresholds.
            logits[i] = (r - np.hypot(xx - cx, yy - cy)) * rng.uniform(0.8, 3) + rng.normal(0, 0.2, (side, side))
        if case == 0:
            logits[k - 1] = logits[0] + 0.25  # a near-duplicate: NMS must drop the lower score
        logits = np.round(logits, 2)
        scores = rng.uniform(0.5, 1.0, k).astype(np.float32)
        amg = {'pointsPerSide': 3, 'pointsPerBatch': 4, 'predIouThreshold': 0.75, 'stabilityThreshold': 0.6,
               'stabilityOffset': 1.0, 'nmsThreshold': 0.5, 'minAreaFraction': 0.01}
        scores[1] = amg['predIouThreshold']  # at the threshold: rejected (strictly above keeps)
        t_logits, t_scores = torch.from_numpy(logits), torch.from_numpy(scores)
        stab = stability_scores(t_logits, amg['stabilityOffset'])
        _, _, kept = filter_proposal_ids(t_scores, t_logits, amg)
        cases.append({'side': side, 'amg': amg, 'scores': scores.tolist(), 'logits': [[round(float(v), 2) for v in row] for row in logits.reshape(k, -1)],
                      'stability': stab.tolist(), 'kept': kept})
    with open(path, 'w') as f:
        json.dump({'format': 'training/amg.py write_vectors: grids [{n, size, points [x, y]}], cases [{side, amg, '
                   'scores[K], logits[K][side*side] row-major, stability[K], kept: candidate indices after '
                   'thresholds, area filter and NMS, in output order}]', 'grids': grids, 'cases': cases}, f,
                  separators=(',', ':'))


def main() -> None:
    """Grid-search AMG thresholds on the AMG stage's scenes and report mask quality."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--scenes', type=int, default=60, help='scenes searched; every 4th is crowded')
    ap.add_argument('--write', help='write the chosen defaults to this JSON file')
    ap.add_argument('--segmenter', default='segmenter', help='segmenter checkpoint name in training/out')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--vectors', help='only write the parity vectors for src/masks/amg.ts to this JSON file')
    a = ap.parse_args()
    if a.vectors:
        write_vectors(a.vectors)
        return
    torch.set_num_threads(a.threads)
    enc, dec = load_segmenter(a.segmenter)
    grid = {'predIouThreshold': [0.5, 0.6, 0.7, 0.8], 'stabilityThreshold': [0.7, 0.8, 0.9], 'nmsThreshold': [0.3, 0.5]}
    results = {}
    for pps in (16, 24):
        raw = []
        for i in range(a.scenes):
            sc = generate_scene(scene_seed('amg', i), crowded=i % 4 == 3)
            raw.append((raw_proposals(enc, dec, sc.image, pps), torch.from_numpy(sc.masks())))
        for vals in itertools.product(*grid.values()):
            # 64 prompts per decoder call: the decoder projects the image's keys and values and
            # upscales its features once per call, so fewer calls are faster (a cold first encode
            # most of all), while the ORT heap after an encode grows ~0.3 MiB per prompt of a call
            # (docs/BENCHMARKS.md, ORT heap). Batching does not change any mask.
            amg = {'pointsPerSide': pps, 'pointsPerBatch': 64, **dict(zip(grid, vals)), 'stabilityOffset': 1.0,
                   'minAreaFraction': 0.002}
            bests, matched, total, exact = [], 0, 0, 0
            for (iou, logits), gt in raw:
                masks, _ = filter_proposals(iou, logits, amg)
                b, m, t = quality(masks, gt)
                bests += b
                matched += m
                total += t
                exact += int(t == len(gt))
            miou, prec = float(np.mean(bests)), matched / max(1, total)
            results[json.dumps(amg)] = (miou, prec, exact / len(raw))
            print(f'{amg} mean-best-IoU {miou:.3f} precision {prec:.3f} count-exact {exact / len(raw):.3f}', flush=True)
    # Objects the LLM sees should be real and well segmented: maximise the mean of the three.
    best = max(results, key=lambda k: sum(results[k]))
    print('chosen', best, 'mean-best-IoU %.3f precision %.3f count-exact %.3f' % results[best])
    if a.write:
        with open(a.write, 'w') as f:
            json.dump(json.loads(best), f)


if __name__ == '__main__':
    main()
