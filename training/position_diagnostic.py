"""Can the LLM learn relative position, and what does it need? A CPU-sized diagnostic on the LLM
feature bank (training/out/features.pt); not a stage of the recipe, nothing it trains is kept.

A fresh projector + LLM of the recipe's sizes sees object tokens only (the bank scene's GT visible
masks, composed as the runtime does) and is trained on relative-position questions alone. Every 50
steps it prints the answer accuracy on the bank's last 200 scenes, which it never trains on, in
both question forms: yes/no as the evaluation set asks ("Is the red circle left of the blue
square?") and the relation word ("Is the red circle left or right of the blue square?" -> "left").

  python3 -m training.position_diagnostic --scenes small --form word --place [--steps 400]
  python3 -m training.position_diagnostic --probe   (is the place in the object tokens at all?)

Switches: the scenes (all, or those with at most 4 objects), the training form (yesno, word, or
half each), --place (each object token also grounds its side words, left/right and above/below of
the scene centre, beside its colour and shape), --full (the recipe's full plan: CLS + patches +
objects), --full-after N (object tokens only for the first N steps, then the full plan: the
recipe's `train.py llm --position-first`), --patch-place (patch tokens ground their object's side
words too), --object-pos (object tokens get the box embedding, as train.py llm --object-pos),
--depth, --seed.
"""
import argparse
import time

import numpy as np
import torch

from training import train as T
from training.shapesworld import SCENE_SIZE
from training.tokenizer import Tokenizer

HELD_OUT = 200


def probe(bank: dict, tok: Tokenizer) -> None:
    """Is the place in the object tokens? A least-squares linear read-out of the centroid from the
    composed object tokens of the bank's first 1500 scenes (fit on 80%, checked on the rest)."""
    b = T.LlmBatcher(tok, bank, 'per-image', 'none', False, True, 0)
    x, y = [], []
    for i in range(min(1500, len(bank['facts']))):
        x.append(b.object_tokens(i))
        y += [(f[2] / SCENE_SIZE, f[3] / SCENE_SIZE) for f in bank['facts'][i]]
    x = torch.cat([torch.cat(x), torch.ones(len(y), 1)], 1)
    y = torch.tensor(y)
    n = int(len(y) * 0.8)
    pred = x[n:] @ torch.linalg.lstsq(x[:n], y[:n]).solution
    pairs = torch.randint(0, len(pred), (20000, 2), generator=torch.Generator().manual_seed(0))
    for axis, name in enumerate('xy'):
        t, p = y[n:, axis], pred[:, axis]
        gap = t[pairs[:, 0]] - t[pairs[:, 1]]
        clear = gap.abs() > 0.1
        order = ((p[pairs[:, 0]] > p[pairs[:, 1]]) == (gap > 0))[clear].float().mean()
        print(f'{name}: R2 {1 - ((p - t) ** 2).mean() / t.var():.3f} over {len(t)} held-out objects; '
              f'order of two objects more than 0.1 scene apart {order:.3f}', flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--scenes', choices=['all', 'small'], default='small')
    ap.add_argument('--form', choices=['yesno', 'word', 'mix'], default='word')
    ap.add_argument('--place', action='store_true')
    ap.add_argument('--full', action='store_true', help='the full plan (CLS + patches + objects) instead of object tokens only')
    ap.add_argument('--full-after', type=int, default=0, metavar='N',
                    help='object tokens only for the first N steps, then the full plan (checked on the full plan throughout)')
    ap.add_argument('--patch-place', action='store_true', help='with --full --place: patch tokens also ground the side words of the object covering them')
    ap.add_argument('--object-pos', action='store_true', help='object tokens get the box embedding (train.py llm --object-pos)')
    ap.add_argument('--depth', type=int, default=T.LLM_DEPTH)
    ap.add_argument('--steps', type=int, default=400)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--probe', action='store_true', help='only the linear read-out of the centroid from object tokens')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    tok = Tokenizer()
    bank = torch.load(f'{T.OUT}/features.pt', weights_only=False)
    if args.probe:
        return probe(bank, tok)
    n = len(bank['facts'])
    share = {'yesno': 0.0, 'word': 1.0, 'mix': 0.5}
    lm = T.DecoderLM(tok.size, T.LLM_DIM, args.depth, T.LLM_HEADS)
    proj = T.Projector(bank['feats'][0].shape[-1], T.LLM_DIM)
    params = list(lm.parameters()) + list(proj.parameters())
    opt = torch.optim.AdamW(params, lr=2e-3, weight_decay=0.01)

    def batcher(seed: int) -> T.LlmBatcher:
        return T.LlmBatcher(tok, bank, 'per-image', 'box-sincos' if args.object_pos else 'none', False, True, seed,
                            place_words=args.place, patch_place=args.patch_place)

    train, check = batcher(1 + 10 * args.seed), batcher(2)
    full = args.full or args.full_after > 0
    usable = train.small if args.scenes == 'small' else range(n)
    train_ids = [i for i in usable if i < n - HELD_OUT]
    check_ids = [i for i in usable if i >= n - HELD_OUT]
    checks = {f: [check.position_batch(check_ids, full, share[f]) for _ in range(4)] for f in ('yesno', 'word')}

    def accuracy(sets: list) -> float:
        with torch.no_grad():
            return float(np.mean([T.llm_loss(lm, proj, [(v, p, [a[:-1] for a in ans], t, c) for v, p, ans, t, c in items], train.image_id, 0.0)[1].item() for items in sets]))

    print(f'{len(train_ids)} training and {len(check_ids)} held-out scenes; {vars(args)}', flush=True)
    t0 = time.time()
    for step in range(args.steps + 1):
        if step % 50 == 0 or step == args.steps:
            print(f'step {step}: held-out accuracy ' + ', '.join(f'{f} {accuracy(s):.3f}' for f, s in checks.items()) + f' ({time.time() - t0:.0f} s)', flush=True)
        if step == args.steps:
            break
        for g in opt.param_groups:
            g['lr'] = T.cosine_lr(step, args.steps, 2e-3, 50)
        items = train.position_batch(train_ids, full and step >= args.full_after, share[args.form])
        loss, _ = T.llm_loss(lm, proj, items, train.image_id, 0.5)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()


if __name__ == '__main__':
    main()
