"""Batches for each training stage, all drawn from training/shapesworld.py by seed."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .composition import coverage
from .seeds import scene_seed
from .shapesworld import COLOR_NAMES, MASK_SIZE, MAX_OBJECTS, SCENE_SIZE, SHAPES, Scene, generate_scene

# Share of crowded scenes (training/shapesworld.py) in the LLM's feature bank: every 10th, 3 of 10.
LLM_CROWDED_PER_10 = 3
MEAN = (0.5, 0.5, 0.5)
STD = (0.5, 0.5, 0.5)
PATCH = 16
GRID = SCENE_SIZE // PATCH
N_COUNT_HEADS = 1 + len(COLOR_NAMES) + len(SHAPES) + len(COLOR_NAMES) * len(SHAPES)


def pixel_values(images: np.ndarray) -> torch.Tensor:
    """uint8 [B,S,S,3] -> normalised float [B,3,S,S] (rescale 1/255, mean/std as in the manifest)."""
    x = torch.from_numpy(images).float().permute(0, 3, 1, 2) / 255.0
    mean = torch.tensor(MEAN)[None, :, None, None]
    std = torch.tensor(STD)[None, :, None, None]
    return (x - mean) / std


def counts(scene: Scene) -> list[int]:
    """Counts the CLS head predicts: total, per colour, per shape, per colour-shape pair."""
    objs = scene.objects
    out = [len(objs)]
    out += [sum(o.color == c for o in objs) for c in COLOR_NAMES]
    out += [sum(o.shape == s for o in objs) for s in SHAPES]
    out += [sum(o.color == c and o.shape == s for o in objs) for c in COLOR_NAMES for s in SHAPES]
    return out


def llm_scene(i: int) -> Scene:
    """Scene i of the LLM stage's feature bank (standard or crowded)."""
    return generate_scene(scene_seed('llm', i), crowded=i % 10 < LLM_CROWDED_PER_10)


def encoder_batch(indices: list[int]) -> dict[str, torch.Tensor]:
    """Encoder-stage scenes `indices`: images plus dense targets: per-patch colour/shape area
    fractions (class 0 = background) and per-scene counts."""
    scenes = [generate_scene(scene_seed('encoder', i)) for i in indices]
    images = np.stack([s.image for s in scenes])
    col = np.zeros((len(scenes), 1 + len(COLOR_NAMES), GRID, GRID), np.float32)
    shp = np.zeros((len(scenes), 1 + len(SHAPES), GRID, GRID), np.float32)
    for b, sc in enumerate(scenes):
        for o in sc.objects:
            frac = o.mask.reshape(GRID, PATCH, GRID, PATCH).mean(axis=(1, 3))
            col[b, 1 + COLOR_NAMES.index(o.color)] += frac
            shp[b, 1 + SHAPES.index(o.shape)] += frac
    col[:, 0] = 1 - col[:, 1:].sum(1)
    shp[:, 0] = 1 - shp[:, 1:].sum(1)
    # Object tokens: each object's patch-coverage weights (normalised as poolMask does) and labels.
    weights = np.zeros((len(scenes), MAX_OBJECTS, GRID * GRID), np.float32)
    labels = np.full((len(scenes), MAX_OBJECTS, 2), -100, np.int64)
    for b, sc in enumerate(scenes):
        for k, (o, m) in enumerate(zip(sc.objects, sc.masks())):
            cov = coverage(torch.from_numpy(m), GRID, GRID).reshape(-1).numpy()
            if cov.sum() > 0:
                weights[b, k] = cov / cov.sum()
                labels[b, k] = (COLOR_NAMES.index(o.color), SHAPES.index(o.shape))
    return {
        'pixels': pixel_values(images),
        'color': torch.from_numpy(col),
        'shape': torch.from_numpy(shp),
        'counts': torch.tensor([counts(s) for s in scenes]),
        'obj_weights': torch.from_numpy(weights),
        'obj_labels': torch.from_numpy(labels),
    }


def segmenter_batch(indices: list[int], prompts: int, rng: np.random.Generator, crowded_per_10: int = 0) -> dict[str, torch.Tensor]:
    """Segmenter-stage scenes `indices` (scene i crowded when i % 10 < crowded_per_10): images, point prompts (inside a random
    object's visible mask, or on background) and the target masks at MASK_SIZE (empty for background points)."""
    scenes = [generate_scene(scene_seed('segmenter', i), crowded=i % 10 < crowded_per_10) for i in indices]
    images = np.stack([s.image for s in scenes])
    pts = np.zeros((len(scenes), prompts, 1, 2), np.float32)
    tgt = np.zeros((len(scenes), prompts, MASK_SIZE, MASK_SIZE), np.float32)
    fg = np.zeros((len(scenes), prompts), np.float32)
    for b, sc in enumerate(scenes):
        masks = sc.masks()
        union = np.zeros((SCENE_SIZE, SCENE_SIZE), bool)
        for o in sc.objects:
            union |= o.mask
        for p in range(prompts):
            if rng.random() < 0.8:
                k = int(rng.integers(len(sc.objects)))
                ys, xs = np.nonzero(sc.objects[k].mask)
                tgt[b, p] = masks[k]
                fg[b, p] = 1
            else:
                ys, xs = np.nonzero(~union)
            i = int(rng.integers(len(xs)))
            pts[b, p, 0] = (xs[i] + rng.uniform(-0.5, 0.5), ys[i] + rng.uniform(-0.5, 0.5))
    return {
        'pixels': pixel_values(images),
        'points': torch.from_numpy(pts),
        'labels': torch.ones(len(scenes), prompts, 1, dtype=torch.long),
        'target': torch.from_numpy(tgt),
        'fg': torch.from_numpy(fg),
    }


def perturb_masks(masks: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """Randomly dilate or erode GT masks by one pixel, as automatic masks would err (never to empty)."""
    out = []
    for m in masks.float():
        r = rng.random()
        if r < 0.2:
            m2 = F.max_pool2d(m[None, None], 3, 1, 1)[0, 0]
        elif r < 0.4:
            m2 = 1 - F.max_pool2d(1 - m[None, None], 3, 1, 1)[0, 0]
            if m2.sum() == 0:
                m2 = m
        else:
            m2 = m
        out.append(m2)
    return torch.stack(out) if out else masks.float()


__all__ = ['LLM_CROWDED_PER_10', 'llm_scene', 'MEAN', 'STD', 'PATCH', 'GRID', 'MAX_OBJECTS', 'N_COUNT_HEADS', 'pixel_values',
           'counts', 'encoder_batch', 'segmenter_batch', 'perturb_masks']
