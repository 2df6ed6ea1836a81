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
objects), --patch-place (patch tokens ground their object's side words too), --depth, --seed.
"""
import argparse
import time

import numpy as np
import torch

from training import composition as C
from training import train as T
from training.shapesworld import SCENE_SIZE, question_position, question_position_word
from training.tokenizer import Tokenizer

HELD_OUT = 200


class ObjectBatcher(T.LlmBatcher):
    """Object tokens only; grounding targets colour and shape, plus the side words with `place`."""

    def __init__(self, tok: Tokenizer, bank: dict, place: bool, seed: int, full: bool = False, patch_place: bool = False) -> None:
        super().__init__(tok, bank, 'per-image', 'none', False, True, seed, place_words=place, patch_place=patch_place)
        self.full = full

    def objects(self, i: int, order: np.ndarray | None = None) -> torch.Tensor:
        """The composed object tokens of bank scene i's GT masks (in `order` where given)."""
        masks = self.masks_of(i) if order is None else self.masks_of(i)[order]
        return C.compose(self.bank['feats'][i].float(), T.GRID, T.GRID, masks, C.Plan(0, (0, 0), len(masks)), self.norm, self.object_pos)[0]

    def visual(self, i: int, mode: str) -> tuple[torch.Tensor, list[list[int]]]:
        if self.full:  # the recipe's full plan: CLS + 144 patches + the objects, masks perturbed
            return super().visual(i, 'full')
        facts = self.bank['facts'][i]
        order = self.rng.permutation(len(facts))
        return self.objects(i, order), [self.object_words(facts[j]) for j in order]


def probe(bank: dict, tok: Tokenizer) -> None:
    """Is the place in the object tokens? A least-squares linear read-out of the centroid from the
    composed object tokens of the bank's first 1500 scenes (fit on 80%, checked on the rest)."""
    b = ObjectBatcher(tok, bank, False, 0)
    x, y = [], []
    for i in range(min(1500, len(bank['facts']))):
        x.append(b.objects(i))
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
    ap.add_argument('--patch-place', action='store_true', help='with --full --place: patch tokens also ground the side words of the object covering them')
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
    usable = [i for i in range(n) if args.scenes == 'all' or len(bank['facts'][i]) <= T.SMALL_SCENE]
    train_ids = [i for i in usable if i < n - HELD_OUT]
    check_ids = [i for i in usable if i >= n - HELD_OUT]
    forms = {'yesno': question_position, 'word': question_position_word}

    def batch(b: ObjectBatcher, ids: list[int], form: str) -> list:
        items = []
        for _ in range(16):
            i = ids[int(b.rng.integers(len(ids)))]
            vis, targets = b.visual(i, 'objects')
            scene = T.scene_from_facts(bank['facts'][i])
            qs = []
            while len(qs) < 10:
                f = form if form != 'mix' else ('word' if b.rng.random() < 0.5 else 'yesno')
                q = forms[f](scene, b.rng)
                if q is None:
                    break
                qs.append(q)
            if qs:
                items.append((vis, [tok.encode(T.render_prompt(q['question'])) for q in qs], [tok.encode(q['answer']) + [b.end_id] for q in qs], targets))
        return items

    lm = T.DecoderLM(tok.size, T.LLM_DIM, args.depth, T.LLM_HEADS)
    proj = T.Projector(bank['feats'][0].shape[-1], T.LLM_DIM)
    params = list(lm.parameters()) + list(proj.parameters())
    opt = torch.optim.AdamW(params, lr=2e-3, weight_decay=0.01)
    train = ObjectBatcher(tok, bank, args.place, 1 + 10 * args.seed, args.full, args.patch_place)
    check = ObjectBatcher(tok, bank, args.place, 2, args.full, args.patch_place)
    checks = {f: [batch(check, check_ids, f) for _ in range(4)] for f in forms}

    def accuracy(sets: list) -> float:
        with torch.no_grad():
            return float(np.mean([T.llm_loss(lm, proj, [(v, p, [a[:-1] for a in ans], t) for v, p, ans, t in items], train.image_id, 0.0)[1].item() for items in sets]))

    print(f'{len(train_ids)} training and {len(check_ids)} held-out scenes; {vars(args)}', flush=True)
    t0 = time.time()
    for step in range(args.steps + 1):
        if step % 50 == 0 or step == args.steps:
            print(f'step {step}: held-out accuracy ' + ', '.join(f'{f} {accuracy(s):.3f}' for f, s in checks.items()) + f' ({time.time() - t0:.0f} s)', flush=True)
        if step == args.steps:
            break
        for g in opt.param_groups:
            g['lr'] = T.cosine_lr(step, args.steps, 2e-3, 50)
        loss, _ = T.llm_loss(lm, proj, batch(train, train_ids, args.form), train.image_id, 0.5)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()


if __name__ == '__main__':
    main()
