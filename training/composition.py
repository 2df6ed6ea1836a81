"""Visual-token composition, a faithful Python twin of docs/composition.md.

The TypeScript runtime (src/tokens, src/masks) implements the same rules; the shared vectors in
tests/fixtures/composition-vectors.json (written by training/make_assets.py) keep them in step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

EPS = 1e-6


class EmptyMaskError(ValueError):
    """A mask covers no pixel of the patch grid, so it has no object token."""


@dataclass(frozen=True)
class Plan:
    """How many tokens of each kind a budget buys: CLS (0/1), a rows x cols patch grid, objects.

    The grid is g x g, except patch-only plans with budget >= gh*gw, which keep the full grid.
    """

    cls: int
    grid: tuple[int, int]
    objects: int

    @property
    def total(self) -> int:
        """Number of visual tokens."""
        return self.cls + self.grid[0] * self.grid[1] + self.objects


def plan_tokens(budget: int, k: int, gh: int, gw: int, policy: str = 'balanced') -> Plan:
    """planTokens for 'balanced', 'patch-only' and 'object-first' (docs/composition.md)."""
    if budget < 1:
        raise ValueError('budget must be an integer >= 1')
    if policy == 'patch-only':
        if budget >= gh * gw:
            return Plan(0, (gh, gw), 0)
        g = min(gh, gw, math.isqrt(budget))
        return Plan(0, (g, g), 0)
    rem = budget - 1
    if policy == 'balanced':
        obj_target = min(k, (rem * 20) // 56)
        g = min(gh, gw, math.isqrt(rem - obj_target))
        return Plan(1, (g, g), min(k, rem - g * g))
    if policy == 'object-first':
        objects = min(k, rem)
        g = min(gh, gw, math.isqrt(rem - objects))
        return Plan(1, (g, g), objects)
    raise ValueError(f'unknown policy {policy!r}')


def pool_patches(patches: torch.Tensor, gh: int, gw: int, out: tuple[int, int]) -> torch.Tensor:
    """Adaptive-average-pool [N, D] patch features on a gh x gw grid to [rows*cols, D] (row-major)."""
    d = patches.shape[-1]
    grid = patches.reshape(gh, gw, d).permute(2, 0, 1)
    return F.adaptive_avg_pool2d(grid[None], out)[0].permute(1, 2, 0).reshape(out[0] * out[1], d)


def coverage(mask: torch.Tensor, gh: int, gw: int) -> torch.Tensor:
    """Fraction of each patch cell inside an M x M 0/1 mask: [gh, gw]."""
    return F.adaptive_avg_pool2d(mask.double()[None, None], (gh, gw))[0, 0]


def pool_mask(patches: torch.Tensor, mask: torch.Tensor, gh: int, gw: int) -> torch.Tensor:
    """Coverage-weighted mean of the full-resolution patch features ([N, D]) under a mask."""
    cov = coverage(mask, gh, gw).reshape(-1).to(patches.dtype)
    s = cov.sum()
    if float(s) == 0.0:
        raise EmptyMaskError('mask is empty on the patch grid; drop it before pooling')
    return (cov[:, None] * patches).sum(0) / s


def pool_masks(patches: torch.Tensor, masks: torch.Tensor, gh: int, gw: int) -> torch.Tensor:
    """`pool_mask` for a stack of K masks [K, M, M] at once -> [K, D] (differentiable)."""
    cov = F.adaptive_avg_pool2d(masks.to(patches.dtype)[:, None], (gh, gw))[:, 0].reshape(masks.shape[0], -1)
    s = cov.sum(1, keepdim=True)
    if bool((s == 0).any()):
        raise EmptyMaskError('mask is empty on the patch grid; drop it before pooling')
    return cov @ patches / s


def norm_scale(tokens: torch.Tensor, patches: torch.Tensor, mode: str = 'per-image') -> torch.Tensor:
    """Rescale CLS/object tokens [T, D] to the patch features' per-image mean and std."""
    if mode == 'none':
        return tokens
    if mode != 'per-image':
        raise ValueError(f'unknown normScale mode {mode!r}')
    mu_p = patches.mean()
    sigma_p = patches.std(unbiased=False)
    mu = tokens.mean(-1, keepdim=True)
    sd = tokens.std(-1, unbiased=False, keepdim=True)
    return (tokens - mu) / (sd + EPS) * sigma_p + mu_p


OBJECT_POSITION_MODES = ('none', 'box-sincos')
# Amplitude of the object position embedding relative to the patch features' std (sigma_P).
OBJECT_POSITION_SCALE = 1.0


def object_position(mask: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding [dim] of a mask's centroid and box size (docs/composition.md, "Object
    position embedding", our extension): s = (cx, cy, w, h) in the M x M frame divided by M; block j
    of 2F = dim/4 values holds sin(pi f_k s_j), cos(pi f_k s_j) for f_k = 2^(k/3), k = 0..F-1."""
    if dim % 8:
        raise ValueError('the object position embedding needs a hidden size divisible by 8')
    m = mask.shape[-1]
    ys, xs = torch.nonzero(mask, as_tuple=True)
    if len(xs) == 0:
        raise EmptyMaskError('mask is empty; it has no position')
    xs, ys = xs.double(), ys.double()
    s = torch.stack([(xs.mean() + 0.5) / m, (ys.mean() + 0.5) / m, (xs.max() + 1 - xs.min()) / m, (ys.max() + 1 - ys.min()) / m])
    f = 2.0 ** (torch.arange(dim // 8, dtype=torch.float64) / 3)
    a = math.pi * s[:, None] * f[None]  # [4, F]
    return torch.stack([torch.sin(a), torch.cos(a)], -1).reshape(dim)


def add_object_positions(obj: torch.Tensor, masks: torch.Tensor, patches: torch.Tensor, mode: str) -> torch.Tensor:
    """Object tokens [K, D] plus OBJECT_POSITION_SCALE * sigma_P * object_position(mask) ('box-sincos')."""
    if mode not in OBJECT_POSITION_MODES:
        raise ValueError(f'unknown object position mode {mode!r}')
    if mode == 'none':
        return obj
    sigma = patches.double().std(unbiased=False)
    emb = torch.stack([object_position(m, obj.shape[-1]) for m in masks])
    return obj + (OBJECT_POSITION_SCALE * sigma * emb).to(obj.dtype)


def mask_iou(a: torch.Tensor, b: torch.Tensor) -> float:
    """IoU of two bool masks (0 when both are empty)."""
    inter = float((a & b).sum())
    union = float((a | b).sum())
    return inter / union if union > 0 else 0.0


def prune_masks(masks: torch.Tensor, scores: list[float], iou_threshold: float = 0.5,
                max_count: int | None = None) -> list[int]:
    """Indices kept by score-ordered greedy IoU pruning (ties: lower index first; empty masks never kept)."""
    if not scores:
        return []
    flat = masks.reshape(len(scores), -1).double()
    area = flat.sum(1)
    inter = flat @ flat.T
    union = area[:, None] + area[None, :] - inter
    iou = torch.where(union > 0, inter / union.clamp(min=1), torch.zeros_like(inter))
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    kept: list[int] = []
    for i in order:
        if max_count is not None and len(kept) >= max_count:
            break
        if area[i] > 0 and all(float(iou[i, j]) <= iou_threshold for j in kept):
            kept.append(i)
    return kept


def compose(hidden: torch.Tensor, gh: int, gw: int, masks: torch.Tensor | None, plan: Plan,
            norm: str = 'per-image', object_pos: str = 'none') -> tuple[torch.Tensor, list[str]]:
    """Visual tokens [T, D] in layout order [CLS][patches row-major][objects] and their kinds.

    `hidden` is the encoder output [1+N, D] (CLS first); `masks` [K, M, M] in pruned order, of
    which the first `plan.objects` are used; object tokens get the position embedding of
    `object_pos` after norm scaling.
    """
    cls_tok, patches = hidden[:1], hidden[1:]
    parts: list[torch.Tensor] = []
    kinds: list[str] = []
    if plan.cls:
        parts.append(norm_scale(cls_tok, patches, norm))
        kinds.append('cls')
    if plan.grid[0] * plan.grid[1]:
        pooled = pool_patches(patches, gh, gw, plan.grid)
        parts.append(pooled)
        kinds += ['patch'] * pooled.shape[0]
    if plan.objects:
        assert masks is not None
        obj = pool_masks(patches, masks[:plan.objects], gh, gw)
        parts.append(add_object_positions(norm_scale(obj, patches, norm), masks[:plan.objects], patches, object_pos))
        kinds += ['object'] * plan.objects
    return torch.cat(parts, 0), kinds
