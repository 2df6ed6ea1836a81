"""Training stages of the ShapesWorld Mask-LLaVA (deterministic seeds; CPU, or `--device cuda`).

  encoder    ViT pretraining with dense supervision (per-patch colour/shape, CLS counts)
  segmenter  promptable segmenter: point prompts inside GT instances (min loss over 3 masks + IoU head)
  features   encoder features + GT masks + scene facts for a bank of LLM training scenes
  llm        projector + decoder LLM on composed visual tokens (docs/composition.md)

Run `python3 -m training.train STAGE --help`; training/train.sh runs the whole recipe.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import time
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import composition as C
from .data import GRID, N_COUNT_HEADS, encoder_batch, llm_scene, perturb_masks, pixel_values, segmenter_batch
from .models import DecoderLM, Projector, PromptMaskDecoder, SegVisionEncoder, ViT
from .shapesworld import COLOR_NAMES, MASK_SIZE, SHAPES, Scene, SceneObject, make_question, question_count_absent, question_position, question_position_word, side_words
from .tokenizer import END, IMAGE, Tokenizer, render_prompt

OUT = os.environ.get('SW_OUT', 'training/out')
FULL_BUDGET = 1 + GRID * GRID + 20
LLM_DIM = 128
LLM_DEPTH = 4
LLM_HEADS = 4
GROW_SEED = 7  # seed offset of the layers a deeper run adds to a shallower --init (their first weights)
ZERO_IN_NEW_LAYER = ('o.weight', 'mlp.2.weight', 'mlp.2.bias')  # what a grown layer writes to the residual stream


def seed_all(seed: int) -> None:
    """Seed every RNG the recipe uses."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def log(stage: str, msg: str) -> None:
    """One progress line with a timestamp."""
    print(f'[{time.strftime("%H:%M:%S")}] {stage}: {msg}', flush=True)


def cosine_lr(step: int, total: int, base: float, warmup: int) -> float:
    """Linear warm-up then cosine decay to 5% of `base`."""
    if step < warmup:
        return base * (step + 1) / warmup
    t = (step - warmup) / max(1, total - warmup)
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * t)))


# ---------------------------------------------------------------- stage: encoder

class EncoderHeads(nn.Module):
    """Linear probes that make the ViT's features carry what the LLM needs."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.color = nn.Linear(d, 1 + len(COLOR_NAMES))
        self.shape = nn.Linear(d, 1 + len(SHAPES))
        self.xy = nn.Linear(d, 2)
        self.counts = nn.Linear(d, N_COUNT_HEADS * 9)
        self.obj_color = nn.Linear(d, len(COLOR_NAMES))
        self.obj_shape = nn.Linear(d, len(SHAPES))


def train_encoder(args: argparse.Namespace) -> None:
    """Dense pretraining of the ViT."""
    seed_all(args.seed)
    vit = ViT()
    heads = EncoderHeads(128)
    params = list(vit.parameters()) + list(heads.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.05)
    ys, xs = torch.meshgrid(torch.arange(GRID), torch.arange(GRID), indexing='ij')
    xy_t = torch.stack([(xs + 0.5) / GRID, (ys + 0.5) / GRID], -1).reshape(-1, 2).float()
    t0 = time.time()
    for step in range(args.steps):
        for g in opt.param_groups:
            g['lr'] = cosine_lr(step, args.steps, args.lr, 30)
        b = encoder_batch([step * args.batch + i for i in range(args.batch)])
        h = vit(b['pixels'])
        cls, patches = h[:, 0], h[:, 1:]
        lc = -(b['color'].flatten(2).transpose(1, 2) * F.log_softmax(heads.color(patches), -1)).sum(-1).mean()
        ls = -(b['shape'].flatten(2).transpose(1, 2) * F.log_softmax(heads.shape(patches), -1)).sum(-1).mean()
        lxy = F.mse_loss(heads.xy(patches), xy_t[None].expand(patches.shape[0], -1, -1)) * 10
        cnt_logits = heads.counts(cls).reshape(-1, N_COUNT_HEADS, 9)
        lcnt = F.cross_entropy(cnt_logits.reshape(-1, 9), b['counts'].clamp(max=8).reshape(-1))
        # Mask-pooled object tokens (as the runtime composes them) must show colour and shape.
        objs = b['obj_weights'] @ patches
        lab = b['obj_labels']
        loc = F.cross_entropy(heads.obj_color(objs).reshape(-1, len(COLOR_NAMES)), lab[..., 0].reshape(-1), ignore_index=-100)
        shp_logits = heads.obj_shape(objs).reshape(-1, len(SHAPES))
        los = F.cross_entropy(shp_logits, lab[..., 1].reshape(-1), ignore_index=-100)
        loss = lc + ls + lxy + lcnt + loc + los
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if step % 20 == 0 or step == args.steps - 1:
            acc = (cnt_logits.argmax(-1) == b['counts'].clamp(max=8)).float().mean()
            real = lab[..., 1].reshape(-1) >= 0
            sacc = (shp_logits.argmax(-1)[real] == lab[..., 1].reshape(-1)[real]).float().mean()
            log('encoder', f'step {step} loss {loss.item():.3f} col {lc.item():.3f} shp {ls.item():.3f} '
                f'xy {lxy.item():.4f} cnt {lcnt.item():.3f} cnt_acc {acc.item():.3f} '
                f'obj col {loc.item():.3f} shp {los.item():.3f} shp_acc {sacc.item():.3f} ({time.time() - t0:.0f}s)')
    torch.save(vit.state_dict(), f'{OUT}/encoder.pt')
    log('encoder', f'done in {time.time() - t0:.0f}s')


# ---------------------------------------------------------------- stage: segmenter

def seg_losses(iou_pred: torch.Tensor, logits: torch.Tensor, target: torch.Tensor, fg: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """SAM-style loss: min over the three masks of BCE + dice, plus IoU-head MSE.

    Background prompts target an empty mask and a predicted IoU of 0, so AMG's IoU filter drops them.
    """
    t = target[:, :, None].expand_as(logits)
    bce = F.binary_cross_entropy_with_logits(logits, t, reduction='none').mean((-1, -2))
    prob = torch.sigmoid(logits)
    inter = (prob * t).sum((-1, -2))
    dice = 1 - (2 * inter + 1) / (prob.sum((-1, -2)) + t.sum((-1, -2)) + 1)
    per = bce * 5 + dice
    best = per.min(-1).values.mean()
    with torch.no_grad():
        hard = (logits > 0).float()
        i = (hard * t).sum((-1, -2))
        u = ((hard + t) > 0).float().sum((-1, -2))
        iou = torch.where(u > 0, i / u.clamp(min=1), torch.zeros_like(u)) * fg[..., None]
    return best, F.mse_loss(iou_pred, iou)


def load_segmenter(name: str = 'segmenter') -> tuple[SegVisionEncoder, PromptMaskDecoder]:
    """A trained segmenter (checkpoint name in training/out) in eval mode."""
    ck = torch.load(f'{OUT}/{name}.pt')
    enc, dec = SegVisionEncoder(), PromptMaskDecoder()
    enc.load_state_dict(ck['enc'])
    dec.load_state_dict(ck['dec'])
    return enc.eval(), dec.eval()


def train_segmenter(args: argparse.Namespace) -> None:
    """Train the promptable segmenter from scratch, or fine-tune a finished one (`--init`) on scenes
    from `--first-scene` on, `--crowded-per-10` of every 10 crowded."""
    seed_all(args.seed + 1)
    enc, dec = load_segmenter(args.init) if args.init else (SegVisionEncoder(), PromptMaskDecoder())
    enc.train()
    dec.train()
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    rng = np.random.default_rng(args.seed + 1)
    t0 = time.time()
    for step in range(args.steps):
        for g in opt.param_groups:
            g['lr'] = cosine_lr(step, args.steps, args.lr, 30)
        first = args.first_scene + step * args.batch
        b = segmenter_batch(list(range(first, first + args.batch)), args.prompts, rng, args.crowded_per_10)
        emb, pos = enc(b['pixels'])
        iou_pred, logits = dec(b['points'], b['labels'], emb, pos)
        lm, li = seg_losses(iou_pred, logits, b['target'], b['fg'])
        loss = lm + li
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if step % 20 == 0 or step == args.steps - 1:
            with torch.no_grad():
                best = iou_pred.argmax(-1, keepdim=True)
                pm = torch.gather(logits, 2, best[..., None, None].expand(-1, -1, -1, MASK_SIZE, MASK_SIZE))[:, :, 0] > 0
                t = b['target'] > 0.5
                iou = (pm & t).sum((-1, -2)).float() / (pm | t).sum((-1, -2)).clamp(min=1).float()
                miou = (iou * b['fg']).sum() / b['fg'].sum()
            log(args.name, f'step {step} mask {lm.item():.3f} iouhead {li.item():.4f} fg-miou {miou.item():.3f} ({time.time() - t0:.0f}s)')
    torch.save({'enc': enc.state_dict(), 'dec': dec.state_dict()}, f'{OUT}/{args.name}.pt')
    log(args.name, f'done in {time.time() - t0:.0f}s')


# ---------------------------------------------------------------- stage: features

def facts(scene: Scene) -> list[tuple[str, str, float, float]]:
    """What questions need from a scene: colour, shape and visible centroid of every object."""
    return [(o.color, o.shape, o.vx, o.vy) for o in scene.objects]


def scene_from_facts(f: list) -> Scene:
    """A mask-less Scene that the question makers accept."""
    return Scene(image=np.zeros(0), objects=[SceneObject(c, s, 0, 0, 0, 0, vx, vy) for c, s, vx, vy in f])


@torch.no_grad()
def encode_images(vit: ViT, images: np.ndarray, batch: int = 64) -> torch.Tensor:
    """Encoder hidden states [B, 1+N, D] for uint8 images (on the CPU, wherever `vit` runs)."""
    dev = vit.cls.device
    return torch.cat([vit(pixel_values(images[i:i + batch]).to(dev)).cpu() for i in range(0, len(images), batch)])


def bank_scene(i: int) -> tuple[np.ndarray, np.ndarray, list]:
    """Image, packed GT masks and facts of LLM bank scene i (a picklable unit for the worker pool)."""
    s = llm_scene(i)
    m = s.masks()
    return s.image, np.packbits(m.reshape(len(m), -1), axis=1), facts(s)


def build_features(args: argparse.Namespace) -> None:
    """Encode a bank of training scenes once (the encoder is frozen in the LLM stage). Scenes are
    drawn by `--workers` processes; each depends only on its index, so the bank does not depend on
    how many."""
    vit = ViT()
    vit.load_state_dict(torch.load(f'{OUT}/encoder.pt'))
    vit.to(args.device).eval()
    t0 = time.time()
    feats, masks, offsets, all_facts = [], [], [0], []
    with multiprocessing.get_context('fork').Pool(args.workers) as pool:
        for start in range(0, args.scenes, 256):
            scenes = pool.map(bank_scene, range(start, min(args.scenes, start + 256)))
            feats.append(encode_images(vit, np.stack([s[0] for s in scenes])).half())
            for _, m, f in scenes:
                masks.append(m)
                offsets.append(offsets[-1] + len(m))
                all_facts.append(f)
            log('features', f'{start + len(scenes)} scenes ({time.time() - t0:.0f}s)')
    torch.save({'feats': torch.cat(feats), 'masks': np.concatenate(masks), 'offsets': np.array(offsets),
                'facts': all_facts}, f'{OUT}/features.pt')
    log('features', f'done in {time.time() - t0:.0f}s')


# ---------------------------------------------------------------- stage: llm

# The shipped presets span the paper's cut ratios: full (~149-165 tokens) -> 15 is ~10x, -> 4 ~38x.
BUDGETS = {'full': FULL_BUDGET, '57': 57, '29': 29, '15': 15, '8': 8, '4': 4}
# The small-scenes-first curriculum (`--small-first`) draws only scenes of at most this many objects.
SMALL_SCENE = 4
# The position pre-phase (`--position-first`): scenes and questions per step, as position_diagnostic.
POSITION_SCENES, POSITION_QUESTIONS = 16, 10
# Running-count supervision (`--count-ground`, training only): a linear head reads the hidden state
# after COUNT_LAYER decoder layers at each object token and predicts how many of the object tokens
# up to and including it share its colour, its shape, both, and how many there are in all; the
# layers after it can then read a count where a counting question attends (training/README.md).
COUNT_LAYER = 2
COUNT_CLASSES = 21  # counts 0..20: a crowded scene has at most 20 objects
COUNT_KINDS = 4


def running_counts(facts_in_order: list[tuple]) -> list[list[int]]:
    """Per object token (facts in token order): the running counts `--count-ground` predicts."""
    out = []
    for j, f in enumerate(facts_in_order):
        seen = facts_in_order[:j + 1]
        out.append([sum(g[0] == f[0] for g in seen), sum(g[1] == f[1] for g in seen),
                    sum(g[:2] == f[:2] for g in seen), j + 1])
    return out


BUDGET_MODES = [('full', 0.10), ('57', 0.12), ('29', 0.10), ('15', 0.14), ('8', 0.07), ('4', 0.07), ('random', 0.15), ('patch-only', 0.25)]


def sample_mode(rng: np.random.Generator, patch_only: bool) -> str:
    """The budget mode of one training step (one mode per step keeps padding small)."""
    if patch_only:
        return 'patch-only'
    modes, probs = zip(*BUDGET_MODES)
    return modes[int(rng.choice(len(modes), p=np.array(probs) / sum(probs)))]


def sample_plan(rng: np.random.Generator, mode: str, k: int, oversample: bool) -> C.Plan:
    """A token plan for one training image: budgets varied, object tokens oversampled.

    Oversampling = half of the non-patch-only plans use the 'object-first' policy, which keeps
    every object token and gives the patches what is left.
    """
    if mode == 'patch-only':
        pick = rng.random()
        b = GRID * GRID if pick < 0.2 else int(rng.choice([57, 29, 15, 8, 4])) if pick < 0.7 else int(rng.integers(1, GRID * GRID))
        return C.plan_tokens(b, k, GRID, GRID, 'patch-only')
    b = BUDGETS.get(mode) or int(rng.integers(3, FULL_BUDGET + 1))
    policy = 'object-first' if oversample and rng.random() < 0.5 else 'balanced'
    return C.plan_tokens(b, k, GRID, GRID, policy)


class LlmBatcher:
    """Composes visual tokens (training/composition.py) and builds chat sequences the way the
    runtime does: the single <image> placeholder replaced by the T projected visual tokens."""

    def __init__(self, tok: Tokenizer, bank: dict, norm: str, object_pos: str, patch_only: bool, oversample: bool,
                 seed: int, place_words: bool = False, relation_words: float = 0.0, patch_place: bool = False,
                 count_zero: float = 0.0) -> None:
        self.tok, self.bank, self.norm, self.object_pos = tok, bank, norm, object_pos
        self.count_zero = count_zero
        self.patch_only, self.oversample = patch_only, oversample
        self.place_words, self.relation_words, self.patch_place = place_words, relation_words, patch_place
        self.rng = np.random.default_rng(seed)
        self.small = [i for i, f in enumerate(bank['facts']) if len(f) <= SMALL_SCENE]
        self.image_id = tok.special_ids[IMAGE]
        self.end_id = tok.special_ids[END]

    def masks_of(self, i: int) -> torch.Tensor:
        """GT visible masks [K, M, M] of bank scene i."""
        a, b = self.bank['offsets'][i], self.bank['offsets'][i + 1]
        bits = np.unpackbits(self.bank['masks'][a:b], axis=1)[:, :MASK_SIZE * MASK_SIZE]
        return torch.from_numpy(bits.reshape(-1, MASK_SIZE, MASK_SIZE).astype(bool))

    def word(self, w: str) -> int:
        """The single token id of a world word."""
        ids = self.tok.encode(w)
        assert len(ids) == 1, w
        return ids[0]

    def object_words(self, fact: tuple, place: bool | None = None) -> list[int]:
        """The words an object token grounds: colour and shape, and with `place` (default
        `place_words`) its side words."""
        place = self.place_words if place is None else place
        return [self.word(w) for w in [fact[0], fact[1]] + (side_words(fact[2], fact[3]) if place else [])]

    def object_tokens(self, i: int, order: np.ndarray | None = None) -> torch.Tensor:
        """The composed object tokens [K, D] of bank scene i's GT masks, unperturbed (in `order` where given)."""
        masks = self.masks_of(i)
        masks = masks if order is None else masks[order]
        return C.compose(self.bank['feats'][i].float(), GRID, GRID, masks, C.Plan(0, (0, 0), len(masks)), self.norm, self.object_pos)[0]

    def position_batch(self, ids: Sequence[int], full: bool = False, word_share: float = 0.5, scenes: int = POSITION_SCENES,
                       per_scene: int = POSITION_QUESTIONS, count: bool = False) -> list:
        """A batch of relative-position questions only (`--position-first`, position_diagnostic) on
        scenes drawn from `ids`: object tokens alone in random order grounding colour, shape and side
        words (or, with `full`, the full plan as in `batch`); `word_share` of the questions ask for
        the relation word, the rest yes/no. With `count`, counting questions instead (`--count-objects`)."""
        items = []
        for _ in range(scenes):
            i = ids[int(self.rng.integers(len(ids)))]
            if full:
                vis, targets, counts = self.visual(i, 'full')
            else:
                facts = self.bank['facts'][i]
                order = self.rng.permutation(len(facts))
                vis, targets = self.object_tokens(i, order), [self.object_words(facts[j]) for j in order]
                counts = running_counts([facts[j] for j in order])
            scene = scene_from_facts(self.bank['facts'][i])
            qs = []
            while len(qs) < per_scene:
                if count:
                    qs.append(self.question(scene, 'count'))
                    continue
                word = word_share == 1 or (word_share > 0 and self.rng.random() < word_share)
                q = (question_position_word if word else question_position)(scene, self.rng)
                if q is None:
                    break
                qs.append(q)
            if qs:
                items.append((vis, [self.tok.encode(render_prompt(q['question'])) for q in qs],
                              [self.tok.encode(q['answer']) + [self.end_id] for q in qs], targets, counts))
        return items

    def visual(self, i: int, mode: str) -> tuple[torch.Tensor, list[list[int]], list[list[int]]]:
        """Composed (pre-projector) visual tokens [T, D] for bank scene i with a sampled plan, per
        token the words it shows (grounding targets): CLS -> the object count, a patch -> the
        colour and shape of the object covering most of it, an object -> its colour and shape (and,
        with `place_words`, its side words: left/right and above/below of the scene centre), and
        the object tokens' running counts."""
        hidden = self.bank['feats'][i].float()
        facts = self.bank['facts'][i]
        masks = self.masks_of(i)
        order = self.rng.permutation(len(masks))
        masks = perturb_masks(masks[order], self.rng)
        if len(masks) > 1 and self.rng.random() < 0.03:
            masks, order = masks[:-1], order[:-1]
        plan = sample_plan(self.rng, mode, len(masks), self.oversample)
        toks, kinds = C.compose(hidden, GRID, GRID, masks, plan, self.norm, self.object_pos)
        # A patch grounds the colour and shape of the object covering most of it (+ its side words
        # with `patch_place`, position_diagnostic --patch-place).
        words = [self.object_words(f, self.place_words and self.patch_place) for f in facts]
        targets: list[list[int]] = []
        if plan.cls:
            targets.append([self.word(str(min(len(facts), 9)))])
        if plan.grid[0] * plan.grid[1]:
            cov = F.adaptive_avg_pool2d(masks.float()[:, None], plan.grid)[:, 0].reshape(len(masks), -1)
            best, who = cov.max(0)
            targets += [words[order[int(w)]] if float(b) > 0.35 else [] for b, w in zip(best, who)]
        targets += [self.object_words(facts[order[j]]) for j in range(plan.objects)]
        assert len(targets) == len(kinds)
        return toks, targets, running_counts([facts[order[j]] for j in range(plan.objects)])

    def batch(self, scenes: int, per_scene: int, small: bool = False,
              qtype: str | None = None) -> list[tuple[torch.Tensor, list[list[int]], list[list[int]], list[list[int]], list[list[int]]]]:
        """Per scene: (visual tokens, prompt ids per question, answer ids + <|end|> per question,
        grounding targets per visual token, running counts per object token); with `small`, only
        bank scenes of at most SMALL_SCENE objects; with `qtype`, questions of that type only."""
        out = []
        n = len(self.bank['facts'])
        mode = sample_mode(self.rng, self.patch_only)
        for _ in range(scenes):
            i = self.small[int(self.rng.integers(len(self.small)))] if small else int(self.rng.integers(n))
            vis, targets, counts = self.visual(i, mode)
            scene = scene_from_facts(self.bank['facts'][i])
            qs = [self.question(scene, qtype) for _ in range(per_scene)]
            out.append((vis, [self.tok.encode(render_prompt(q['question'])) for q in qs],
                        [self.tok.encode(q['answer']) + [self.end_id] for q in qs], targets, counts))
        return out

    def question(self, scene: Scene, qtype: str | None = None) -> dict[str, str]:
        """A random question (of `qtype` where given); with `relation_words`, that share of the
        position questions is asked for the relation word instead of yes/no, and with `count_zero`,
        that share of the counting questions asks for something absent (no extra random draw
        without them)."""
        q = make_question(scene, self.rng, qtype)
        if q['type'] == 'position' and self.relation_words and self.rng.random() < self.relation_words:
            q = question_position_word(scene, self.rng) or q
        if q['type'] == 'count' and self.count_zero and self.rng.random() < self.count_zero:
            q = question_count_absent(scene, self.rng) or q
        return q


def _pad_left(seqs: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack [L_i, D] sequences into [B, L, D], left-padded with zeros, and their 0/1 mask."""
    L = max(s.shape[0] for s in seqs)
    x = seqs[0].new_zeros(len(seqs), L, seqs[0].shape[1])
    mask = torch.zeros(len(seqs), L, dtype=torch.long, device=x.device)
    for j, s in enumerate(seqs):
        x[j, L - len(s):] = s
        mask[j, L - len(s):] = 1
    return x, mask


def llm_loss(lm: DecoderLM, proj: Projector, items: list, image_id: int, ground: float,
             count_head: nn.Module | None = None, count_ground: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Answer loss (+ `ground` x grounding loss, + `count_ground` x running-count loss through
    `count_head`) and answer-token accuracy.

    The prompt up to and including the visual tokens is shared by a scene's questions, so it runs
    once (left-padded) and its KV cache is reused by each question's suffix; positions count real
    tokens only, exactly as an unpadded run. Grounding: the LM head at each visual token predicts
    the words it shows (LLaVA-style alignment that makes the visual tokens readable quickly).
    Index tensors are built on the CPU and moved once, so a GPU step is a few hundred kernels.
    """
    dev = lm.inv_freq.device
    at = items[0][1][0].index(image_id)
    head = items[0][1][0][:at]
    vis = proj(torch.cat([it[0] for it in items]).to(dev)).split([len(it[0]) for it in items])
    text = lm.embed(torch.tensor(head, device=dev))
    xp, mp = _pad_left([torch.cat([text, v]) for v in vis])
    suffixes, targets, owner = [], [], []
    for j, (_, prompts, answers, _, _) in enumerate(items):
        for prompt, answer in zip(prompts, answers):
            assert prompt[:at] == head
            suffixes.append(prompt[at + 1:] + answer[:-1])
            targets.append(answer)
            owner.append(j)
    S = max(len(ids) for ids in suffixes)
    ids = torch.zeros(len(suffixes), S, dtype=torch.long)
    ms = torch.zeros(len(suffixes), S, dtype=torch.long)
    y = torch.full((len(suffixes), S), -100)
    for j, (sfx, answer) in enumerate(zip(suffixes, targets)):
        ids[j, :len(sfx)] = torch.tensor(sfx)
        ms[j, :len(sfx)] = 1
        y[j, len(sfx) - len(answer):len(sfx)] = torch.tensor(answer)
    ids, ms, y = ids.to(dev), ms.to(dev), y.to(dev)
    pp = (mp.cumsum(1) - 1).clamp(min=0)
    hidden: list[torch.Tensor] = []
    hook = lm.layers[COUNT_LAYER - 1].register_forward_hook(lambda m, i, o: hidden.append(o[0])) if count_ground else None
    plogits, past = lm(xp, mp, pp, lm.empty_past(xp.shape[0]))
    if hook:
        hook.remove()
    idx = torch.tensor(owner, device=dev)
    past = [(k[idx], v[idx]) for k, v in past]
    ps = mp.sum(1)[idx, None] + torch.arange(S, device=dev)[None]
    logits, _ = lm(lm.embed(ids), torch.cat([mp[idx], ms], 1), ps, past)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100)
    if ground > 0:
        rows, cols, words, weights = [], [], [], []
        L = xp.shape[1]
        for j, (_, _, _, tg, _) in enumerate(items):
            for t, ws in enumerate(tg):
                for w in ws:
                    rows.append(j)
                    cols.append(L - len(tg) + t)
                    words.append(w)
                    weights.append(1.0 / len(ws))
        if rows:
            lp = F.log_softmax(plogits[torch.tensor(rows, device=dev), torch.tensor(cols, device=dev)], -1)
            nll = -lp.gather(1, torch.tensor(words, device=dev)[:, None])[:, 0]
            w = torch.tensor(weights, device=dev)
            loss = loss + ground * (nll * w).sum() / w.sum()
    if count_ground:
        # Object tokens are the last visual tokens, so the last len(counts) columns of each row.
        L = xp.shape[1]
        rows = [j for j, it in enumerate(items) for _ in it[4]]
        cols = [L - len(it[4]) + t for it in items for t in range(len(it[4]))]
        if rows:
            h = hidden[0][torch.tensor(rows, device=dev), torch.tensor(cols, device=dev)]
            y_count = torch.tensor([c for it in items for c in it[4]], device=dev).clamp(max=COUNT_CLASSES - 1)
            pred = count_head(h).reshape(len(rows), COUNT_KINDS, COUNT_CLASSES)
            loss = loss + count_ground * F.cross_entropy(pred.reshape(-1, COUNT_CLASSES), y_count.reshape(-1))
    with torch.no_grad():
        sel = y != -100
        acc = (logits.argmax(-1)[sel] == y[sel]).float().mean()
    return loss, acc


def cpu_state(m: nn.Module) -> dict[str, torch.Tensor]:
    """A module's weights on the CPU (checkpoints load anywhere)."""
    return {k: v.cpu() for k, v in m.state_dict().items()}


def object_position_mode(args: argparse.Namespace) -> str:
    """The object position embedding of an LLM run (docs/composition.md): only with `--object-pos`,
    our extension, which lost ~6 points on the validation scenes (training/README.md)."""
    return 'box-sincos' if args.object_pos and not args.patch_only else 'none'


def rng_states(batcher: LlmBatcher) -> dict:
    """Every random state an LLM run draws from (a resumed run continues each of them)."""
    return {'batcher': batcher.rng.bit_generator.state, 'python': random.getstate(), 'numpy': np.random.get_state(),
            'torch': torch.get_rng_state()}


def set_rng_states(batcher: LlmBatcher, st: dict) -> None:
    """Restore what `rng_states` saved."""
    batcher.rng.bit_generator.state = st['batcher']
    random.setstate(st['python'])
    np.random.set_state(st['numpy'])
    torch.set_rng_state(st['torch'])


def checkpoint_depth(lm_state: dict[str, torch.Tensor]) -> int:
    """How many decoder layers a DecoderLM state dict holds."""
    return len({k.split('.')[1] for k in lm_state if k.startswith('layers.')})


def load_llm(name: str, device: str = 'cpu') -> tuple[DecoderLM, Projector]:
    """A finished LLM run's decoder and projector (training/out/NAME.pt), at the depth it was trained."""
    ck = torch.load(f'{OUT}/{name}.pt', map_location=device)
    lm = DecoderLM(Tokenizer().size, LLM_DIM, checkpoint_depth(ck['lm']), LLM_HEADS).to(device)
    lm.load_state_dict(ck['lm'])
    proj = Projector(128, LLM_DIM).to(device)
    proj.load_state_dict(ck['proj'])
    return lm, proj


def grown_state(lm_state: dict[str, torch.Tensor], depth: int, seed: int) -> dict[str, torch.Tensor]:
    """A `depth`-layer decoder that computes what the shallower `lm_state` computes: the new layers
    sit evenly among the old ones (4 -> 6: after the 2nd and the 4th) with their attention output and
    MLP output zero, so each starts as the identity on the residual stream and training grows it.
    The new layers' other weights come from their own seed, leaving the run's RNG stream untouched."""
    old = checkpoint_depth(lm_state)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        fresh = DecoderLM(lm_state['embed.weight'].shape[0], LLM_DIM, depth, LLM_HEADS).state_dict()
    extra = depth - old
    after = [(k + 1) * old // extra - 1 for k in range(extra)]  # the old layer each new one follows
    order: list[int | None] = []
    for j in range(old):
        order += [j] + [None] * after.count(j)
    out = {k: v for k, v in lm_state.items() if not k.startswith('layers.')}
    for k, v in fresh.items():
        if k.startswith('layers.'):
            _, i, name = k.split('.', 2)
            j = order[int(i)]
            out[k] = lm_state[f'layers.{j}.{name}'] if j is not None else torch.zeros_like(v) if name in ZERO_IN_NEW_LAYER else v
    return out


def train_llm(args: argparse.Namespace) -> None:
    """Projector + decoder LLM on the frozen encoder's composed tokens.

    Every 50 steps (and at `--until`) the whole run state (weights, optimiser, every RNG, elapsed
    time) goes to `{name}.state.pt`; `--resume` continues from it exactly, so a run that a machine
    cannot finish in one sitting ends with the same weights as one that can (tests/unit/training).
    """
    seed_all(args.seed + 2)
    tok = Tokenizer()
    bank = torch.load(f'{OUT}/features.pt', weights_only=False)  # our own file: arrays and facts
    lm = DecoderLM(tok.size, LLM_DIM, args.depth, LLM_HEADS).to(args.device)
    proj = Projector(128, LLM_DIM).to(args.device)
    if args.init:  # fine-tune a finished run (its weights; a fresh optimiser and schedule)
        ck = torch.load(f'{OUT}/{args.init}.pt', map_location=args.device)
        init_depth = checkpoint_depth(ck['lm'])
        assert init_depth <= args.depth, f'--init {args.init} has {init_depth} layers; --depth {args.depth} cannot hold them'
        lm.load_state_dict(ck['lm'] if init_depth == args.depth else grown_state(ck['lm'], args.depth, args.seed + GROW_SEED))
        proj.load_state_dict(ck['proj'])
    # The running-count head is training-only: it travels in the run state (for --resume), not in
    # the checkpoint or the package.
    count_head = nn.Linear(LLM_DIM, COUNT_KINDS * COUNT_CLASSES).to(args.device) if args.count_ground else None
    params = list(lm.parameters()) + list(proj.parameters()) + (list(count_head.parameters()) if count_head else [])
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    batcher = LlmBatcher(tok, bank, 'none' if args.no_norm_scale else 'per-image', object_position_mode(args),
                         args.patch_only, not args.no_oversample, args.seed + 2, args.place_words, args.relation_words,
                         count_zero=args.count_zero)
    state_file = f'{OUT}/{args.name}.state.pt'
    step, before = 0, 0.0
    total = args.position_first + args.steps  # one LR schedule over the pre-phase and the recipe's steps
    if args.resume and os.path.exists(state_file):
        st = torch.load(state_file, weights_only=False)  # our own file
        assert st['args'] == run_args(args), f'{state_file} was saved by another run: {st["args"]}'
        lm.load_state_dict(st['lm'])
        proj.load_state_dict(st['proj'])
        if count_head:
            count_head.load_state_dict(st['count_head'])
        opt.load_state_dict(st['opt'])
        set_rng_states(batcher, st['rng'])
        step, before = st['step'], st['seconds']
        log('llm', f'resumed {args.name} at step {step} ({before:.0f}s before)')

    def save_state() -> None:
        torch.save({'lm': cpu_state(lm), 'proj': cpu_state(proj), 'opt': opt.state_dict(), 'rng': rng_states(batcher),
                    'step': step, 'seconds': before + time.time() - t0, 'args': run_args(args),
                    **({'count_head': cpu_state(count_head)} if count_head else {})}, state_file)

    t0 = time.time()
    while True:
        elapsed = before + time.time() - t0
        if step >= total or (args.minutes and elapsed > args.minutes * 60):
            break
        if args.until and step >= args.until:
            save_state()
            log('llm', f'{args.name} paused at step {step} ({elapsed:.0f}s); --resume continues it')
            return
        # With a wall-time budget the schedule ends at whichever limit comes first.
        progress = max(step / total, elapsed / (args.minutes * 60) if args.minutes else 0.0)
        for g in opt.param_groups:
            g['lr'] = cosine_lr(int(progress * total), total, args.lr, 50)
        if step < args.position_first or (args.position_share and batcher.rng.random() < args.position_share):
            items = batcher.position_batch(batcher.small)
        elif args.count_objects and batcher.rng.random() < args.count_objects:
            items = batcher.position_batch(range(len(bank['facts'])), count=True)
        elif args.count_share and batcher.rng.random() < args.count_share:
            items = batcher.batch(args.scenes_per_step, args.questions_per_scene, qtype='count')
        else:
            items = batcher.batch(args.scenes_per_step, args.questions_per_scene, small=step - args.position_first < args.small_first)
        loss, acc = llm_loss(lm, proj, items, batcher.image_id, args.ground, count_head, args.count_ground)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if step % 25 == 0:
            log('llm', f'step {step} loss {loss.item():.3f} tok-acc {acc.item():.3f} ({elapsed:.0f}s)')
        step += 1
        if step % 50 == 0:
            save_state()
    torch.save({'lm': cpu_state(lm), 'proj': cpu_state(proj), 'step': step}, f'{OUT}/{args.name}.pt')
    seconds = before + time.time() - t0
    with open(f'{OUT}/{args.name}.json', 'w') as f:
        json.dump({'steps': step, 'seconds': seconds, 'device': args.device, **run_args(args)}, f)
    log('llm', f'{args.name} done: {step} steps in {seconds:.0f}s')


def run_args(args: argparse.Namespace) -> dict:
    """The switches that define an LLM run (recorded beside its checkpoint; a resume must match)."""
    return {'patch_only': args.patch_only, 'norm_scale': not args.no_norm_scale, 'oversample': not args.no_oversample,
            'object_position': object_position_mode(args), 'place_words': args.place_words,
            'relation_words': args.relation_words, 'small_first': args.small_first, 'position_first': args.position_first, 'steps_planned': args.steps,
            'minutes': args.minutes, 'lr': args.lr, 'ground': args.ground, 'seed': args.seed,
            'scenes_per_step': args.scenes_per_step, 'questions_per_scene': args.questions_per_scene,
            # Switches added later, recorded only when on (states saved before them still resume).
            **({'position_share': args.position_share} if args.position_share else {}),
            **({'count_share': args.count_share} if args.count_share else {}),
            **({'count_zero': args.count_zero} if args.count_zero else {}),
            **({'count_ground': args.count_ground} if args.count_ground else {}),
            **({'count_objects': args.count_objects} if args.count_objects else {}),
            **({'depth': args.depth} if args.depth != LLM_DEPTH else {}),
            **({'init': args.init} if args.init else {})}


def main() -> None:
    """CLI entry point."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='stage', required=True)
    e = sub.add_parser('encoder')
    e.add_argument('--steps', type=int, default=300)
    e.add_argument('--batch', type=int, default=32)
    e.add_argument('--lr', type=float, default=1e-3)
    s = sub.add_parser('segmenter')
    s.add_argument('--steps', type=int, default=600)
    s.add_argument('--batch', type=int, default=8)
    s.add_argument('--prompts', type=int, default=8)
    s.add_argument('--lr', type=float, default=1e-3)
    s.add_argument('--name', default='segmenter', help='checkpoint name in training/out')
    s.add_argument('--init', help='fine-tune this finished segmenter checkpoint (name in training/out)')
    s.add_argument('--first-scene', type=int, default=0, help='index of the first segmenter-range scene drawn')
    s.add_argument('--crowded-per-10', type=int, default=0, help='crowded scenes among every 10 drawn')
    f = sub.add_parser('features')
    f.add_argument('--scenes', type=int, default=8000)
    f.add_argument('--workers', type=int, default=2, help='processes drawing scenes')
    m = sub.add_parser('llm')
    m.add_argument('--name', default='llm-main')
    m.add_argument('--steps', type=int, default=1500)
    m.add_argument('--minutes', type=float, default=0, help='wall-time budget: training (and its LR schedule) ends at whichever of --steps/--minutes comes first')
    m.add_argument('--scenes-per-step', type=int, default=16)
    m.add_argument('--questions-per-scene', type=int, default=6)
    m.add_argument('--lr', type=float, default=2e-3)
    m.add_argument('--ground', type=float, default=0.5, help='weight of the visual-token grounding loss')
    m.add_argument('--patch-only', action='store_true', help='ablation: the LLM never sees CLS/object tokens')
    m.add_argument('--no-norm-scale', action='store_true', help='ablation: CLS/object tokens not norm-scaled')
    m.add_argument('--no-oversample', action='store_true', help='ablation: balanced plans only')
    m.add_argument('--object-pos', action='store_true', help='ablation (our extension): object tokens get the box embedding')
    m.add_argument('--place-words', action='store_true', help='object tokens also ground their side words (training/position_diagnostic.py)')
    m.add_argument('--relation-words', type=float, default=0.0, help='this share of position questions asks for the relation word')
    m.add_argument('--small-first', type=int, default=0, help='curriculum: the first N steps draw only scenes of at most SMALL_SCENE objects')
    m.add_argument('--position-first', type=int, default=0, metavar='N',
                   help='pre-phase: N steps of position questions only on object tokens alone (small scenes) before the --steps of the recipe')
    m.add_argument('--position-share', type=float, default=0.0, metavar='P',
                   help="after the pre-phase, this share of the steps are the pre-phase's batches (object tokens alone, position questions)")
    m.add_argument('--count-share', type=float, default=0.0, metavar='P',
                   help='this share of the recipe steps ask counting questions only (same plans and scenes)')
    m.add_argument('--count-zero', type=float, default=0.0, metavar='P',
                   help='this share of the counting questions asks for something the scene lacks (answer 0)')
    m.add_argument('--count-objects', type=float, default=0.0, metavar='P',
                   help="this share of the steps ask counting questions on object tokens alone (the position pre-phase's batches)")
    m.add_argument('--count-ground', type=float, default=0.0, metavar='W',
                   help='weight of the running-count loss on the object tokens (COUNT_LAYER; training only)')
    m.add_argument('--init', default='', metavar='NAME', help='start from the weights of training/out/NAME.pt instead of fresh ones')
    m.add_argument('--depth', type=int, default=LLM_DEPTH, help='decoder layers; deeper than --init grows it (grown_state)')
    m.add_argument('--resume', action='store_true', help='continue from {name}.state.pt where it exists (saved every 50 steps)')
    m.add_argument('--until', type=int, default=0, help='save the run state and stop after this many steps of the schedule (--resume continues)')
    for sp in (e, s, f, m):
        sp.add_argument('--seed', type=int, default=0)
        sp.add_argument('--threads', type=int, default=2)
    for sp in (f, m):
        sp.add_argument('--device', default='cpu', help="torch device ('cuda' where a GPU is lent; same code)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(OUT, exist_ok=True)
    {'encoder': train_encoder, 'segmenter': train_segmenter, 'features': build_features, 'llm': train_llm}[args.stage](args)


if __name__ == '__main__':
    main()
