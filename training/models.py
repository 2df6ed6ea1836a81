"""The four networks of the ShapesWorld Mask-LLaVA, written so that they export cleanly to ONNX.

- `ViT`: pre-norm ViT with CLS, learned position embeddings and colour-affinity patch features -> hidden states [1, 1+N, D].
- `SegVisionEncoder` + `PromptMaskDecoder`: a small promptable segmenter in SAM's two-stage form.
- `Projector`: LLaVA's two-layer GELU MLP, D -> H.
- `DecoderLM`: a small RoPE decoder with a KV cache in transformers.js's merged-decoder layout.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

NEG = -1e9  # additive mask value (no -inf: keeps every backend finite)


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """Scaled dot-product attention over [..., L, d] tensors with an optional additive bias."""
    w = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if bias is not None:
        w = w + bias
    return torch.softmax(w, -1) @ v


class MHA(nn.Module):
    """Multi-head attention with separate q/k/v projections (internal width may be downsampled)."""

    def __init__(self, dim: int, heads: int, inner: int | None = None) -> None:
        super().__init__()
        inner = inner or dim
        self.h = heads
        self.q = nn.Linear(dim, inner)
        self.k = nn.Linear(dim, inner)
        self.v = nn.Linear(dim, inner)
        self.o = nn.Linear(inner, dim)

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        b, lq, _ = q.shape
        lk = k.shape[1]
        def split(x: torch.Tensor, n: int) -> torch.Tensor:
            return x.reshape(b, n, self.h, -1).transpose(1, 2)
        out = attention(split(self.q(q), lq), split(self.k(k), lk), split(self.v(v), lk))
        return self.o(out.transpose(1, 2).reshape(b, lq, -1))


class Mlp(nn.Sequential):
    """Linear -> GELU -> Linear."""

    def __init__(self, dim: int, hidden: int, out: int | None = None) -> None:
        super().__init__(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, out or dim))


class ViTBlock(nn.Module):
    """Pre-norm transformer block."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.n1 = nn.LayerNorm(dim)
        self.attn = MHA(dim, heads)
        self.n2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, 4 * dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.n1(x)
        x = x + self.attn(h, h, h)
        return x + self.mlp(self.n2(x))


class ColourAffinity(nn.Module):
    """Per 16-px patch, the local silhouettes of its colour: for 4 anchor pixels in the patch, the
    colour affinity exp(-|c - c_anchor|^2 / tau) of a 15x15 window of the 4x-downsampled image
    (+-28 px), read by a small CNN. A ViT or CNN on raw pixels learned colour but not shape in our
    CPU budget; shape from a silhouette is learned in a few dozen steps, and colour grouping turns
    the image into silhouettes without learning.
    """

    def __init__(self, dim: int, win: int = 15, tau: float = 0.05) -> None:
        super().__init__()
        self.win, self.tau = win, tau
        onehot = torch.eye(win * win).reshape(win * win, 1, win, win)
        self.register_buffer('unfold', onehot.repeat(3, 1, 1, 1))  # window read-out as a grouped conv
        c = win // 2
        self.anchors = [(c + dy) * win + c + dx for dy in (-1, 1) for dx in (-1, 1)]
        def conv(i: int, o: int, stride: int) -> list[nn.Module]:
            return [nn.Conv2d(i, o, 3, stride, 1), nn.BatchNorm2d(o), nn.ReLU()]
        self.cnn = nn.Sequential(*conv(4, 16, 1), *conv(16, 32, 2), *conv(32, 64, 2))
        self.out = nn.Linear(128, dim)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """[B,3,S,S] -> [B, (S/16)^2, dim]."""
        b = pixel_values.shape[0]
        img = F.avg_pool2d(pixel_values, 4)
        # window centres at 4k+2 of the downsampled image = the patch centres
        img = F.pad(img, (5, 6, 5, 6), mode='replicate')
        w = F.conv2d(img, self.unfold, stride=4, groups=3)
        n = w.shape[-1] * w.shape[-2]
        w = w.reshape(b, 3, self.win * self.win, n)
        anchor = w[:, :, self.anchors]
        d2 = ((w[:, :, None] - anchor[:, :, :, None]) ** 2).sum(1)
        a = torch.exp(-d2 / self.tau).permute(0, 3, 1, 2).reshape(b * n, 4, self.win, self.win)
        f = self.cnn(a)
        f = torch.cat([f.mean((2, 3)), f.amax((2, 3))], 1)
        return self.out(f).reshape(b, n, -1)


class ViT(nn.Module):
    """Image encoder: pixel_values [B,3,S,S] -> last_hidden_state [B, 1+N, D] (CLS first).

    Patch tokens = linear 16-px patch embedding + the patch's colour-affinity features.
    """

    def __init__(self, size: int = 192, patch: int = 16, dim: int = 128, depth: int = 4, heads: int = 4) -> None:
        super().__init__()
        self.grid = size // patch
        self.embed = nn.Conv2d(3, dim, patch, patch)
        self.affinity = ColourAffinity(dim)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, 1 + self.grid ** 2, dim) * 0.02)
        self.blocks = nn.ModuleList([ViTBlock(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        x = self.embed(pixel_values).flatten(2).transpose(1, 2) + self.affinity(pixel_values)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)


class LayerNorm2d(nn.Module):
    """LayerNorm over channels of a [B, C, H, W] map (SAM's neck/upscaler norm)."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.ones(c))
        self.b = nn.Parameter(torch.zeros(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + 1e-6)
        return self.w[:, None, None] * x + self.b[:, None, None]


class FourierPE(nn.Module):
    """SAM's random-Fourier positional encoding of [0,1] coordinates."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(1234)
        self.register_buffer('gauss', torch.randn(2, dim // 2, generator=g))

    def forward(self, xy: torch.Tensor) -> torch.Tensor:
        p = (2 * xy - 1) @ self.gauss * (2 * math.pi)
        return torch.cat([torch.sin(p), torch.cos(p)], -1)


class SegVisionEncoder(nn.Module):
    """pixel_values [1,3,S,S] -> image_embeddings [1,C,g,g], image_positional_embeddings [1,C,g,g]."""

    def __init__(self, size: int = 192, dim: int = 64, stride: int = 6) -> None:
        super().__init__()
        self.g = size // stride
        self.stem = nn.Sequential(
            nn.Conv2d(3, 32, 4, 2, 1), LayerNorm2d(32), nn.GELU(),
            nn.Conv2d(32, dim, 3, stride // 2, 0), LayerNorm2d(dim), nn.GELU(),
        )
        self.blocks = nn.ModuleList([
            nn.Sequential(nn.Conv2d(dim, dim, 3, 1, d, dilation=d), LayerNorm2d(dim), nn.GELU())
            for d in (1, 2, 4, 8, 1)
        ])
        self.neck = nn.Sequential(nn.Conv2d(dim, dim, 1), LayerNorm2d(dim))
        self.pe = FourierPE(dim)
        ys, xs = torch.meshgrid(torch.arange(self.g), torch.arange(self.g), indexing='ij')
        xy = torch.stack([(xs + 0.5) / self.g, (ys + 0.5) / self.g], -1).float()
        self.register_buffer('grid_xy', xy)

    def forward(self, pixel_values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.stem(pixel_values)
        for blk in self.blocks:
            x = x + blk(x)
        emb = self.neck(x)
        pos = self.pe(self.grid_xy).permute(2, 0, 1)[None].expand(x.shape[0], -1, -1, -1)
        return emb, pos


class TokenBlock(nn.Module):
    """Token side of SAM's two-way block: self-attn, token->image cross-attn, MLP.

    The image->token update is left out so that the upscaled per-pixel features are computed
    once per image instead of once per prompt (CPU training budget). The image tokens are then the
    same for every prompt, so the cross-attention takes them once per image ([B, HW, C]) and the
    tokens of all P prompts of an image as one query sequence: the image's keys and values are
    projected once per decoder call, not once per prompt (softmax is per query row, so the
    result is the same).
    """

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.self_attn = MHA(dim, heads)
        self.n1 = nn.LayerNorm(dim)
        self.t2i = MHA(dim, heads, dim // 2)
        self.n2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, 4 * dim)
        self.n3 = nn.LayerNorm(dim)

    def forward(self, q: torch.Tensor, qpe: torch.Tensor, k: torch.Tensor, kpe: torch.Tensor) -> torch.Tensor:
        qq = q + qpe
        q = self.n1(q + self.self_attn(qq, qq, q))
        bp, t, c = q.shape
        b = k.shape[0]
        cross = self.t2i((q + qpe).reshape(b, bp // b * t, c), k + kpe, k).reshape(bp, t, c)
        q = self.n2(q + cross)
        return self.n3(q + self.mlp(q))


class PromptMaskDecoder(nn.Module):
    """(input_points [B,P,N,2], input_labels [B,P,N], image_embeddings, image_positional_embeddings)
    -> iou_scores [B,P,3], pred_masks [B,P,3,m,m] logits, m = 2 * embedding grid.

    Mask logits are dynamic linear maps (from the three mask tokens) of shared per-pixel
    features plus the pixel's offset from the prompt's first point (CondInst-style), which
    localises the mask around the clicked object.
    """

    def __init__(self, size: int = 192, dim: int = 64, heads: int = 4, depth: int = 2, feat: int = 32) -> None:
        super().__init__()
        self.size = size
        self.feat = feat
        self.pe = FourierPE(dim)
        self.point_embed = nn.Parameter(torch.randn(2, dim) * 0.1)  # bg, fg
        self.not_a_point = nn.Parameter(torch.randn(dim) * 0.1)
        self.no_mask = nn.Parameter(torch.zeros(dim))
        self.out_tokens = nn.Parameter(torch.randn(4, dim) * 0.1)  # iou, 3 masks
        self.blocks = nn.ModuleList([TokenBlock(dim, heads) for _ in range(depth)])
        self.up = nn.Sequential(
            nn.ConvTranspose2d(dim, feat, 2, 2), LayerNorm2d(feat), nn.GELU(),
            nn.Conv2d(feat, feat, 3, 1, 1), nn.GELU(), nn.Conv2d(feat, feat, 1),
        )
        self.hyper = nn.ModuleList([Mlp(dim, dim, feat + 4) for _ in range(3)])
        self.iou_head = Mlp(dim, dim, 3)

    def forward(self, input_points: torch.Tensor, input_labels: torch.Tensor,
                image_embeddings: torch.Tensor, image_positional_embeddings: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, p, n, _ = input_points.shape
        c = image_embeddings.shape[1]
        pts = (input_points.reshape(b, p * n, 2) + 0.5) / self.size  # [B, PN, 2] in [0,1]
        lab = input_labels.reshape(b, p * n, 1)
        sparse = self.pe(pts)
        is_pad = (lab == -1).float()
        sparse = sparse * (1 - is_pad) + is_pad * self.not_a_point
        sparse = sparse + (lab == 1).float() * self.point_embed[1] + (lab == 0).float() * self.point_embed[0]
        sparse = sparse.reshape(b * p, n, c)
        tokens = torch.cat([self.out_tokens[None].expand(b * p, -1, -1), sparse], 1)
        src = (image_embeddings + self.no_mask[None, :, None, None]).flatten(2).transpose(1, 2)  # [B, HW, C]
        pos = image_positional_embeddings.flatten(2).transpose(1, 2)
        q = tokens
        for blk in self.blocks:
            q = blk(q, tokens, src, pos)
        feats = self.up(image_embeddings + self.no_mask[None, :, None, None])  # [B, F, m, m]
        m = feats.shape[-1]
        hyper = torch.stack([self.hyper[i](q[:, 1 + i]) for i in range(3)], 1).reshape(b, p, 3, self.feat + 4)
        coords = (torch.arange(m, dtype=torch.float32) + 0.5) / m
        first = pts.reshape(b, p, n, 2)[:, :, 0]  # [B, P, 2]
        dx = coords[None, None, None, :] - first[..., 0, None, None]  # [B,P,1,m]
        dy = coords[None, None, :, None] - first[..., 1, None, None]  # [B,P,m,1]
        dx = dx.expand(-1, -1, m, -1)
        dy = dy.expand(-1, -1, -1, m)
        rel = torch.stack([dx, dy, dx * dx + dy * dy, torch.sqrt(dx * dx + dy * dy + 1e-4)], 2)  # [B,P,4,m,m]
        logits = hyper[..., :self.feat] @ feats.reshape(b, 1, self.feat, m * m)
        logits = logits + (hyper[..., self.feat:] * 10.0) @ rel.reshape(b, p, 4, m * m)
        iou = self.iou_head(q[:, 0]).reshape(b, p, 3)
        return iou, logits.reshape(b, p, 3, m, m)


class Projector(nn.Module):
    """LLaVA's projector: [1, T, D] -> [1, T, H]."""

    def __init__(self, d: int, h: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(d, h)
        self.fc2 = nn.Linear(h, h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class RMSNorm(nn.Module):
    """RMS norm (LLaMA)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.w


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """[x1, x2] -> [-x2, x1] on the last axis."""
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], -1)


class DecoderLayer(nn.Module):
    """Pre-norm RoPE attention + GELU MLP."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.h = heads
        self.hd = dim // heads
        self.n1 = RMSNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.o = nn.Linear(dim, dim, bias=False)
        self.n2 = RMSNorm(dim)
        self.mlp = Mlp(dim, 4 * dim)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, bias: torch.Tensor,
                pk: torch.Tensor, pv: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        b, s, d = x.shape
        q, k, v = self.qkv(self.n1(x)).reshape(b, s, 3, self.h, self.hd).permute(2, 0, 3, 1, 4)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = torch.cat([pk, k], 2)
        v = torch.cat([pv, v], 2)
        out = attention(q, k, v, bias).transpose(1, 2).reshape(b, s, d)
        x = x + self.o(out)
        return x + self.mlp(self.n2(x)), k, v


class DecoderLM(nn.Module):
    """Token embedder + RoPE decoder with KV cache."""

    def __init__(self, vocab: int, dim: int = 128, depth: int = 4, heads: int = 4, max_pos: int = 512) -> None:
        super().__init__()
        self.dim, self.depth, self.heads, self.max_pos = dim, depth, heads, max_pos
        self.embed = nn.Embedding(vocab, dim)
        self.layers = nn.ModuleList([DecoderLayer(dim, heads) for _ in range(depth)])
        self.norm = RMSNorm(dim)
        self.head = nn.Linear(dim, vocab, bias=False)
        hd = dim // heads
        self.register_buffer('inv_freq', 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd)))

    def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor, position_ids: torch.Tensor,
                past: list[tuple[torch.Tensor, torch.Tensor]]) -> tuple[torch.Tensor, list[tuple[torch.Tensor, torch.Tensor]]]:
        """logits [B,S,V] and the new cache; attention_mask [B, past+S] (1 = attend)."""
        s = inputs_embeds.shape[1]
        past_len = past[0][0].shape[2]
        freqs = position_ids[..., None].float() * self.inv_freq
        emb = torch.cat([freqs, freqs], -1)[:, None]
        cos, sin = emb.cos(), emb.sin()
        kidx = torch.arange(past_len + s, device=inputs_embeds.device)
        qidx = torch.arange(s, device=inputs_embeds.device) + past_len
        allowed = (kidx[None, :] <= qidx[:, None])[None, None] & (attention_mask[:, None, None, :] > 0)
        bias = torch.where(allowed, torch.zeros((), dtype=inputs_embeds.dtype), torch.full((), NEG, dtype=inputs_embeds.dtype))
        x = inputs_embeds
        present = []
        for layer, (pk, pv) in zip(self.layers, past):
            x, k, v = layer(x, cos, sin, bias, pk, pv)
            present.append((k, v))
        return self.head(self.norm(x)), present

    def empty_past(self, b: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """A zero-length cache."""
        z = torch.zeros(b, self.heads, 0, self.dim // self.heads, device=self.inv_freq.device)
        return [(z, z) for _ in range(self.depth)]
