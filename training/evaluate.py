"""Python-side accuracy on the shipped evaluation set (a sanity check; `npm run eval` in the
browser is the authoritative measurement).

  python3 -m training.evaluate --llm llm-main [--questions 1000] [--set public/eval/shapesworld-crowded]

Reports accuracy per question type with GT masks and with reference-AMG masks at budgets
full/57/15/4 (balanced) and 15 (patch-only) (with --objects-only also object tokens alone), plus
the AMG mask quality on the eval scenes.
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch
from PIL import Image

from . import composition as C
from .amg import filter_proposals, quality, raw_proposals
from .data import GRID
from .models import DecoderLM, Projector, ViT
from .shapesworld import QUESTION_TYPES, rle_decode
from .tokenizer import IMAGE, Tokenizer, render_prompt
from .train import FULL_BUDGET, OUT, encode_images, load_llm, load_segmenter

EVAL = 'public/eval/shapesworld'
SETTINGS = [('full', FULL_BUDGET, 'balanced'), ('57', 57, 'balanced'), ('15', 15, 'balanced'), ('4', 4, 'balanced'),
            ('patch-only 15', 15, 'patch-only')]
# Object tokens alone (every mask; no CLS, no patches): the input of train.py llm's --position-first
# pre-phase, so that a run's position circuit can be told apart from its use beside the patch tokens.
OBJECTS_ONLY = ('objects only', 0, 'objects')


@torch.no_grad()
def answer(lm: DecoderLM, proj: Projector, tok: Tokenizer, vis: torch.Tensor, question: str) -> str:
    """Greedy first answer token, as text."""
    ids = tok.encode(render_prompt(question))
    at = ids.index(tok.special_ids[IMAGE])
    x = torch.cat([lm.embed(torch.tensor(ids[:at])), proj(vis), lm.embed(torch.tensor(ids[at + 1:]))])[None]
    L = x.shape[1]
    logits, _ = lm(x, torch.ones(1, L, dtype=torch.long), torch.arange(L)[None], lm.empty_past(1))
    return tok.decode([int(logits[0, -1].argmax())]).strip()


def main() -> None:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--llm', default='llm-main')
    ap.add_argument('--questions', type=int, default=1000)
    ap.add_argument('--set', default=EVAL, help='evaluation set folder')
    ap.add_argument('--amg', default=f'{OUT}/amg.json')
    ap.add_argument('--no-amg', action='store_true')
    ap.add_argument('--segmenter', default='segmenter', help='segmenter checkpoint name in training/out')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--objects-only', action='store_true', help='also a row for object tokens alone (no CLS, no patches)')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tok = Tokenizer()
    vit = ViT()
    vit.load_state_dict(torch.load(f'{OUT}/encoder.pt'))
    vit.eval()
    lm, proj = load_llm(a.llm)
    lm.eval()
    proj.eval()
    meta_path = f'{OUT}/{a.llm}.json'  # written when a run ends; a running one is the main recipe
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {'norm_scale': True, 'patch_only': False}
    norm = 'per-image' if meta['norm_scale'] else 'none'
    object_pos = meta.get('object_position', 'none')
    gt_masks = json.load(open(f'{a.set}/masks.json'))['masks']
    settings = [s for s in SETTINGS if s[2] == 'patch-only'] if meta['patch_only'] else SETTINGS + ([OBJECTS_ONLY] if a.objects_only else [])
    qs = json.load(open(f'{a.set}/questions.json'))['questions'][:a.questions]
    amg = json.load(open(a.amg)) if os.path.exists(a.amg) and not a.no_amg else None
    enc, dec = load_segmenter(a.segmenter) if amg else (None, None)
    sources = ['gt'] + (['amg'] if amg else [])
    correct = {(src, s[0], t): [] for src in sources for s in settings for t in QUESTION_TYPES}
    bests: list[float] = []
    by_image: dict[str, list[dict]] = {}
    for q in qs:
        by_image.setdefault(q['image'], []).append(q)
    for n, (img, items) in enumerate(by_image.items()):
        image = np.asarray(Image.open(f'{a.set}/{img}').convert('RGB'))
        hidden = encode_images(vit, image[None])[0]
        gt = torch.from_numpy(np.stack([rle_decode(o['rle'], 64) for o in gt_masks[img]]))
        masks = {'gt': gt}
        if amg:
            iou, logits = raw_proposals(enc, dec, image, amg['pointsPerSide'], amg['pointsPerBatch'])
            masks['amg'], _ = filter_proposals(iou, logits, amg)
            bests += quality(masks['amg'], gt)[0]
        for src in sources:
            for name, budget, policy in settings:
                k = len(masks[src])
                plan = C.Plan(0, (0, 0), k) if policy == 'objects' else C.plan_tokens(budget, k, GRID, GRID, policy)
                vis, _ = C.compose(hidden, GRID, GRID, masks[src], plan, norm, object_pos)
                for q in items:
                    correct[(src, name, q['type'])].append(answer(lm, proj, tok, vis, q['question']) == q['answer'])
        if n % 50 == 0:
            print(f'{n} images', flush=True)
    print(f'\nPython-side accuracy (%), {a.llm}, {a.set}, {len(qs)} questions')
    header = f'{"masks":6} {"budget":14} ' + ' '.join(f'{t:>9}' for t in QUESTION_TYPES) + f' {"all":>6}'
    print(header)
    for src in sources:
        for name, _, _ in settings:
            row = [correct[(src, name, t)] for t in QUESTION_TYPES]
            allv = sum(row, [])
            print(f'{src:6} {name:14} ' + ' '.join(f'{100 * np.mean(r):9.1f}' for r in row) + f' {100 * np.mean(allv):6.1f}')
    if bests:
        print(f'AMG mean best IoU per GT object (64x64): {np.mean(bests):.3f} over {len(bests)} objects')


if __name__ == '__main__':
    main()
