"""Reference automatic mask generation (AMG) for the trained segmenter, and its mask quality.

The runtime implements AMG in TypeScript; this is the Python reference used to measure mean best
IoU per ground-truth object at 64x64 and to choose the manifest's `segmenter.amg` defaults:

  grid of pointsPerSide^2 single fg points at ((i+0.5)/n * S) -> decoder in batches of
  pointsPerBatch -> all 3 masks per point -> keep predicted IoU > predIouThreshold and stability
  (area(logit > offset) / area(logit > -offset)) > stabilityThreshold and area >=
  minAreaFraction * m^2 -> greedy mask NMS at nmsThreshold in descending predicted-IoU order.

  python3 -m training.amg [--write out.json]   (grid search over thresholds on held-out scenes)
"""

from __future__ import annotations

import argparse
import itertools
import json

import numpy as np
import torch

from . import composition as C
from .data import SEEDS, pixel_values
from .models import PromptMaskDecoder, SegVisionEncoder
from .shapesworld import SCENE_SIZE, generate_scene
from .train import OUT


def load_segmenter() -> tuple[SegVisionEncoder, PromptMaskDecoder]:
    """The trained segmenter in eval mode."""
    ck = torch.load(f'{OUT}/segmenter.pt')
    enc, dec = SegVisionEncoder(), PromptMaskDecoder()
    enc.load_state_dict(ck['enc'])
    dec.load_state_dict(ck['dec'])
    return enc.eval(), dec.eval()


@torch.no_grad()
def raw_proposals(enc: SegVisionEncoder, dec: PromptMaskDecoder, image: np.ndarray, points_per_side: int,
                  points_per_batch: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """Decoder outputs for the point grid: iou [P*3], logits [P*3, m, m]."""
    emb, pos = enc(pixel_values(image[None]))
    c = (torch.arange(points_per_side) + 0.5) / points_per_side * SCENE_SIZE
    ys, xs = torch.meshgrid(c, c, indexing='ij')
    pts = torch.stack([xs.reshape(-1), ys.reshape(-1)], -1)
    ious, logits = [], []
    for i in range(0, len(pts), points_per_batch):
        p = pts[i:i + points_per_batch][None, :, None]
        iou, m = dec(p, torch.ones(p.shape[:3], dtype=torch.long), emb, pos)
        ious.append(iou[0].reshape(-1))
        logits.append(m[0].reshape(-1, *m.shape[-2:]))
    return torch.cat(ious), torch.cat(logits)


def filter_proposals(iou: torch.Tensor, logits: torch.Tensor, amg: dict) -> tuple[torch.Tensor, list[float]]:
    """Masks [K, m, m] (bool) and scores after thresholds and NMS, in descending score order."""
    off = amg['stabilityOffset']
    inter = (logits > off).sum((-1, -2)).float()
    union = (logits > -off).sum((-1, -2)).float().clamp(min=1)
    stab = inter / union
    masks = logits > 0
    area = masks.sum((-1, -2)).float()
    m2 = logits.shape[-1] ** 2
    keep = (iou > amg['predIouThreshold']) & (stab > amg['stabilityThreshold']) & (area >= amg['minAreaFraction'] * m2) & (area > 0)
    idx = torch.nonzero(keep)[:, 0]
    masks, scores = masks[idx], [float(s) for s in iou[idx]]
    kept = C.prune_masks(masks, scores, amg['nmsThreshold'])
    return masks[kept], [scores[i] for i in kept]


def quality(proposals: torch.Tensor, gt: torch.Tensor) -> tuple[list[float], int, int]:
    """Best IoU per GT object, number of proposals matching a GT object (IoU > 0.5), proposal count."""
    best = [max((C.mask_iou(g, p) for p in proposals), default=0.0) for g in gt]
    matched = sum(any(C.mask_iou(g, p) > 0.5 for g in gt) for p in proposals)
    return best, matched, len(proposals)


def main() -> None:
    """Grid-search AMG thresholds on held-out scenes and report mask quality."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--scenes', type=int, default=60)
    ap.add_argument('--write', help='write the chosen defaults to this JSON file')
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    enc, dec = load_segmenter()
    grid = {'predIouThreshold': [0.5, 0.6, 0.7, 0.8], 'stabilityThreshold': [0.7, 0.8, 0.9], 'nmsThreshold': [0.3, 0.5]}
    results = {}
    for pps in (16, 24):
        raw = []
        for i in range(a.scenes):
            sc = generate_scene(SEEDS['eval'] + i)
            raw.append((raw_proposals(enc, dec, sc.image, pps), torch.from_numpy(sc.masks())))
        for vals in itertools.product(*grid.values()):
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
