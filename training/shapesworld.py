"""ShapesWorld: the one definition of the synthetic world.

Scenes of 1-8 coloured shapes (crowded scenes: 12-20 smaller, more occluded shapes) on varied
backgrounds, their visible instance masks (after occlusion) and templated questions with one-word answers. Everything is a pure function of a
seed, so training data, the shipped evaluation set and the demo samples come from one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

SCENE_SIZE = 192
MASK_SIZE = 64
COLORS: dict[str, tuple[int, int, int]] = {
    'red': (215, 35, 35),
    'green': (35, 160, 55),
    'blue': (35, 75, 215),
    'yellow': (240, 205, 25),
    'purple': (145, 55, 185),
    'orange': (245, 125, 15),
}
COLOR_NAMES = list(COLORS)
SHAPES = ['circle', 'square', 'triangle', 'star', 'diamond']
PLURAL = {s: s + 's' for s in SHAPES}
MAX_OBJECTS = 8
# Crowded scenes: more objects than the 20 object tokens of budget 57 leave room for, so that small
# budgets must drop objects (as in the paper); shapes are smaller and may hide more of each other.
CROWDED_OBJECTS = (12, 20)
CROWDED_RADIUS = (8.0, 16.0)
# Visible-area floor (pixels at scene resolution) so that every counted object can be seen.
MIN_VISIBLE_PX = 70
MIN_VISIBLE_FRACTION = 0.5
CROWDED_MIN_VISIBLE_FRACTION = 0.35
# Relative-position questions need a clear gap between centroids (scene pixels).
POSITION_MARGIN = 14.0
QUESTION_TYPES = ['exist', 'count', 'attribute', 'position']


@dataclass
class SceneObject:
    """One shape: its attributes and geometry (scene pixels)."""

    color: str
    shape: str
    cx: float
    cy: float
    radius: float
    angle: float
    vx: float = 0.0  # centroid of the visible pixels
    vy: float = 0.0
    mask: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, bool))  # visible, SxS


@dataclass
class Scene:
    """A rendered scene: RGB pixels and its objects in drawing order (later ones on top)."""

    image: np.ndarray  # uint8 [S, S, 3]
    objects: list[SceneObject]

    def masks(self, size: int = MASK_SIZE) -> np.ndarray:
        """Visible instance masks at `size` x `size` (bool [K, size, size]), one per object."""
        return np.stack([downsample_mask(o.mask, size) for o in self.objects])


def downsample_mask(mask: np.ndarray, size: int) -> np.ndarray:
    """Block-average a square bool mask to `size` and threshold at one half."""
    f = mask.shape[0] // size
    return mask.reshape(size, f, size, f).mean(axis=(1, 3)) >= 0.5


def _polygon(shape: str, cx: float, cy: float, r: float, angle: float) -> list[tuple[float, float]]:
    if shape == 'square':
        pts = [(math.cos(angle + math.pi / 4 + k * math.pi / 2) * r, math.sin(angle + math.pi / 4 + k * math.pi / 2) * r) for k in range(4)]
    elif shape == 'triangle':
        pts = [(math.cos(angle - math.pi / 2 + k * 2 * math.pi / 3) * r, math.sin(angle - math.pi / 2 + k * 2 * math.pi / 3) * r) for k in range(3)]
    elif shape == 'diamond':
        pts = [(0.0, -r), (0.62 * r, 0.0), (0.0, r), (-0.62 * r, 0.0)]
        ca, sa = math.cos(angle), math.sin(angle)
        pts = [(x * ca - y * sa, x * sa + y * ca) for x, y in pts]
    elif shape == 'star':
        pts = []
        for k in range(10):
            rr = r if k % 2 == 0 else r * 0.45
            a = angle - math.pi / 2 + k * math.pi / 5
            pts.append((math.cos(a) * rr, math.sin(a) * rr))
    else:
        raise ValueError(shape)
    return [(cx + x, cy + y) for x, y in pts]


def _shape_mask(o: SceneObject) -> np.ndarray:
    img = Image.new('L', (SCENE_SIZE, SCENE_SIZE), 0)
    d = ImageDraw.Draw(img)
    if o.shape == 'circle':
        r = o.radius * 0.9
        d.ellipse([o.cx - r, o.cy - r, o.cx + r, o.cy + r], fill=255)
    else:
        d.polygon(_polygon(o.shape, o.cx, o.cy, o.radius, o.angle), fill=255)
    return np.asarray(img) > 127


def _background(rng: np.random.Generator) -> np.ndarray:
    s = SCENE_SIZE
    kind = rng.integers(0, 4)
    dark = rng.random() < 0.25
    def tint() -> np.ndarray:
        if dark:
            return rng.uniform(20, 75, 3)
        return rng.uniform(175, 250, 3)
    base = np.broadcast_to(tint(), (s, s, 3)).astype(np.float32)
    if kind == 1:  # linear gradient between two tints
        a, b = tint(), tint()
        th = rng.uniform(0, 2 * math.pi)
        yy, xx = np.mgrid[0:s, 0:s] / (s - 1)
        t = (np.cos(th) * xx + np.sin(th) * yy)
        t = (t - t.min()) / (t.max() - t.min() + 1e-6)
        base = a[None, None] * (1 - t[..., None]) + b[None, None] * t[..., None]
    elif kind == 2:  # light noise
        base = base + rng.normal(0, rng.uniform(4, 12), (s, s, 1))
    elif kind == 3:  # soft texture: blocky noise upsampled
        cells = int(rng.integers(4, 12))
        blk = rng.normal(0, rng.uniform(6, 14), (cells, cells, 1))
        rep = -(-s // cells)
        base = base + np.kron(blk, np.ones((rep, rep, 1)))[:s, :s]
    return np.clip(base, 0, 255).astype(np.float32)


def generate_scene(seed: int, crowded: bool = False) -> Scene:
    """Render scene number `seed` (pure function of the seed and the kind)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(CROWDED_OBJECTS[0], CROWDED_OBJECTS[1] + 1)) if crowded else int(rng.integers(1, MAX_OBJECTS + 1))
    min_fraction = CROWDED_MIN_VISIBLE_FRACTION if crowded else MIN_VISIBLE_FRACTION
    canvas = _background(rng)
    objects: list[SceneObject] = []
    full_masks: list[np.ndarray] = []
    attempts = 0
    while len(objects) < n and attempts < (800 if crowded else 200):
        attempts += 1
        if crowded:
            r = rng.uniform(*CROWDED_RADIUS)
        else:
            size_class = rng.random()
            r = rng.uniform(9, 14) if size_class < 0.3 else rng.uniform(14, 24) if size_class < 0.8 else rng.uniform(24, 34)
        o = SceneObject(
            color=COLOR_NAMES[int(rng.integers(len(COLOR_NAMES)))],
            shape=SHAPES[int(rng.integers(len(SHAPES)))],
            cx=float(rng.uniform(r, SCENE_SIZE - r)),
            cy=float(rng.uniform(r, SCENE_SIZE - r)),
            radius=float(r),
            angle=float(rng.uniform(-0.3, 0.3) if rng.random() < 0.7 else rng.uniform(0, 2 * math.pi)),
        )
        m = _shape_mask(o)
        # Everything drawn so far must stay visible enough once this one goes on top.
        ok = True
        for prev, pm in zip(objects, full_masks):
            vis = prev.mask & ~m
            if vis.sum() < max(MIN_VISIBLE_PX, min_fraction * pm.sum()):
                ok = False
                break
        if not ok or m.sum() < MIN_VISIBLE_PX:
            continue
        for prev in objects:
            prev.mask = prev.mask & ~m
        o.mask = m
        objects.append(o)
        full_masks.append(m)
    for o in objects:
        rgb = np.array(COLORS[o.color], np.float32) + rng.uniform(-12, 12, 3)
        canvas[o.mask] = np.clip(rgb, 0, 255)
        ys, xs = np.nonzero(o.mask)
        o.vx, o.vy = float(xs.mean()), float(ys.mean())
    return Scene(image=canvas.round().astype(np.uint8), objects=objects)


# ---------------------------------------------------------------- questions

def _q(question: str, answer: str, qtype: str) -> dict[str, str]:
    return {'question': question, 'answer': answer, 'type': qtype}


def question_exist(scene: Scene, rng: np.random.Generator) -> dict[str, str]:
    """Balanced yes/no existence question (POPE-like: absent combos share an attribute when possible)."""
    present = {(o.color, o.shape) for o in scene.objects}

    def absent_pair() -> dict[str, str]:
        absent = [(c, s) for c in COLOR_NAMES for s in SHAPES if (c, s) not in present]
        near = [(c, s) for c, s in absent if any(c == pc or s == ps for pc, ps in present)]
        pool = near if near and rng.random() < 0.8 else absent
        c, s = pool[int(rng.integers(len(pool)))]
        return _q(f'Is there a {c} {s}?', 'no', 'exist')

    form = rng.random()
    if form < 0.7:
        if rng.random() < 0.5:
            c, s = sorted(present)[int(rng.integers(len(present)))]
            return _q(f'Is there a {c} {s}?', 'yes', 'exist')
        return absent_pair()
    # Crowded scenes usually hold every shape and every colour, so a "no" of the shape or colour
    # form has nothing to ask about: it asks for an absent colour-shape pair instead, keeping the
    # answers balanced. Standard scenes keep the original rule (a "yes" instead), so that the
    # standard evaluation set and its published figures stay as they are.
    crowded = len(scene.objects) > MAX_OBJECTS
    if form < 0.85:
        shapes = {o.shape for o in scene.objects}
        want = rng.random() < 0.5
        pool = sorted(shapes) if want else [s for s in SHAPES if s not in shapes]
        if not pool and crowded:
            return absent_pair()
        if not pool:
            pool, want = sorted(shapes), True
        s = pool[int(rng.integers(len(pool)))]
        return _q(f'Is there a {s}?', 'yes' if want else 'no', 'exist')
    colors = {o.color for o in scene.objects}
    want = rng.random() < 0.5
    pool = sorted(colors) if want else [c for c in COLOR_NAMES if c not in colors]
    if not pool and crowded:
        return absent_pair()
    if not pool:
        pool, want = sorted(colors), True
    c = pool[int(rng.integers(len(pool)))]
    return _q(f'Is there a {c} object?', 'yes' if want else 'no', 'exist')


def question_count(scene: Scene, rng: np.random.Generator) -> dict[str, str]:
    """Counting by shape, by colour, by both, or in total (in total only up to MAX_OBJECTS objects:
    crowded scenes ask for colour counts instead, whose answers stay small)."""
    objs = scene.objects
    form = rng.random()
    # Prefer attributes that occur in the scene, so that answers are not mostly zero.
    o = objs[int(rng.integers(len(objs)))]
    c = o.color if rng.random() < 0.85 else COLOR_NAMES[int(rng.integers(len(COLOR_NAMES)))]
    s = o.shape if rng.random() < 0.85 else SHAPES[int(rng.integers(len(SHAPES)))]
    if form < 0.3:
        n = sum(x.shape == s for x in objs)
        return _q(f'How many {PLURAL[s]} are there?', str(n), 'count')
    if form < 0.6:
        n = sum(x.color == c for x in objs)
        return _q(f'How many {c} objects are there?', str(n), 'count')
    if form < 0.8:
        n = sum(x.color == c and x.shape == s for x in objs)
        return _q(f'How many {c} {PLURAL[s]} are there?', str(n), 'count')
    if len(objs) > MAX_OBJECTS:
        return _q(f'How many {c} objects are there?', str(sum(x.color == c for x in objs)), 'count')
    return _q('How many objects are there?', str(len(objs)), 'count')


def question_count_absent(scene: Scene, rng: np.random.Generator) -> dict[str, str] | None:
    """A counting question whose answer is 0: a shape, colour or colour-shape pair the scene lacks.
    A training-only form (training/train.py --count-zero): the evaluation set's answers of 0 are
    rare (its generator prefers present attributes), so the model learns to answer them "1"."""
    objs = scene.objects
    shapes = [s for s in SHAPES if all(o.shape != s for o in objs)]
    colors = [c for c in COLOR_NAMES if all(o.color != c for o in objs)]
    pairs = [(c, s) for c in COLOR_NAMES for s in SHAPES if all((o.color, o.shape) != (c, s) for o in objs)]
    forms = [f for f, pool in (('shape', shapes), ('color', colors), ('pair', pairs)) if pool]
    if not forms:
        return None
    form = forms[int(rng.integers(len(forms)))]
    if form == 'shape':
        return _q(f'How many {PLURAL[shapes[int(rng.integers(len(shapes)))]]} are there?', '0', 'count')
    if form == 'color':
        return _q(f'How many {colors[int(rng.integers(len(colors)))]} objects are there?', '0', 'count')
    c, s = pairs[int(rng.integers(len(pairs)))]
    return _q(f'How many {c} {PLURAL[s]} are there?', '0', 'count')


def question_attribute(scene: Scene, rng: np.random.Generator) -> dict[str, str] | None:
    """Colour of the unique <shape>, or shape of the unique <colour> object."""
    objs = scene.objects
    uniq_shape = [o for o in objs if sum(x.shape == o.shape for x in objs) == 1]
    uniq_color = [o for o in objs if sum(x.color == o.color for x in objs) == 1]
    forms = []
    if uniq_shape:
        forms.append('color')
    if uniq_color:
        forms.append('shape')
    if not forms:
        return None
    if forms[int(rng.integers(len(forms)))] == 'color':
        o = uniq_shape[int(rng.integers(len(uniq_shape)))]
        return _q(f'What color is the {o.shape}?', o.color, 'attribute')
    o = uniq_color[int(rng.integers(len(uniq_color)))]
    return _q(f'What shape is the {o.color} object?', o.shape, 'attribute')


def position_pairs(scene: Scene) -> list[tuple[SceneObject, SceneObject, str, bool]]:
    """(a, b, axis, a is left of / above b) for every ordered pair of uniquely named objects whose
    centroids differ by a clear gap on that axis."""
    objs = scene.objects
    named = [o for o in objs if sum(x.color == o.color and x.shape == o.shape for x in objs) == 1]
    pairs = []
    for a in named:
        for b in named:
            if a is b:
                continue
            (ax, ay), (bx, by) = (a.vx, a.vy), (b.vx, b.vy)
            if abs(ax - bx) > POSITION_MARGIN:
                pairs.append((a, b, 'x', ax < bx))
            if abs(ay - by) > POSITION_MARGIN:
                pairs.append((a, b, 'y', ay < by))
    return pairs


def question_position(scene: Scene, rng: np.random.Generator) -> dict[str, str] | None:
    """Balanced yes/no relative position of two uniquely named objects with a clear gap."""
    pairs = position_pairs(scene)
    if not pairs:
        return None
    a, b, axis, a_first = pairs[int(rng.integers(len(pairs)))]
    want = rng.random() < 0.5
    if axis == 'x':
        rel = 'left of' if a_first == want else 'right of'
    else:
        rel = 'above' if a_first == want else 'below'
    return _q(f'Is the {a.color} {a.shape} {rel} the {b.color} {b.shape}?', 'yes' if want else 'no', 'position')


def question_position_word(scene: Scene, rng: np.random.Generator) -> dict[str, str] | None:
    """The same pairs asked for the relation word ("Is the red circle left or right of the blue
    square?" -> "left"). A training-only form (training/train.py --relation-words): the evaluation
    set asks the yes/no form."""
    pairs = position_pairs(scene)
    if not pairs:
        return None
    a, b, axis, a_first = pairs[int(rng.integers(len(pairs)))]
    if axis == 'x':
        return _q(f'Is the {a.color} {a.shape} left or right of the {b.color} {b.shape}?', 'left' if a_first else 'right', 'position')
    return _q(f'Is the {a.color} {a.shape} above or below the {b.color} {b.shape}?', 'above' if a_first else 'below', 'position')


def side_words(x: float, y: float) -> list[str]:
    """Where a centroid lies against the scene centre."""
    return ['left' if x < SCENE_SIZE / 2 else 'right', 'above' if y < SCENE_SIZE / 2 else 'below']


QUESTION_MAKERS = {
    'exist': question_exist,
    'count': question_count,
    'attribute': question_attribute,
    'position': question_position,
}


def make_question(scene: Scene, rng: np.random.Generator, qtype: str | None = None) -> dict[str, str]:
    """One question of `qtype` (or a random type); falls back to other types when not askable."""
    order = list(QUESTION_TYPES)
    if qtype is None:
        qtype = order[int(rng.integers(len(order)))]
    q = QUESTION_MAKERS[qtype](scene, rng)
    while q is None:
        qtype = ['exist', 'count'][int(rng.integers(2))]
        q = QUESTION_MAKERS[qtype](scene, rng)
    return q


def vocabulary() -> list[str]:
    """Every word the templates and answers use (the tokenizer gives each one token)."""
    words = {'Is', 'there', 'a', 'object', 'objects', 'How', 'many', 'are', 'What', 'color', 'is',
             'the', 'shape', 'left', 'right', 'of', 'above', 'below', 'yes', 'no'}
    words |= set(COLOR_NAMES) | set(SHAPES) | set(PLURAL.values())
    return sorted(words)


# ---------------------------------------------------------------- mask RLE (eval set)

def rle_encode(mask: np.ndarray) -> list[int]:
    """Run lengths of a row-major bool mask, starting with a run of False (possibly 0)."""
    flat = mask.reshape(-1).astype(np.uint8)
    runs = []
    cur, n = 0, 0
    for v in flat:
        if v == cur:
            n += 1
        else:
            runs.append(n)
            cur, n = v, 1
    runs.append(n)
    return runs


def rle_decode(runs: list[int], size: int) -> np.ndarray:
    """Inverse of `rle_encode` for a `size` x `size` mask."""
    out = np.zeros(size * size, bool)
    pos, val = 0, False
    for r in runs:
        out[pos:pos + r] = val
        pos += r
        val = not val
    return out.reshape(size, size)
