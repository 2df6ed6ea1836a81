"""Scene seed ranges: every stage draws its scenes from its own range, and no two ranges overlap.

Pure Python (no torch/numpy) so that tests/unit/tools/training-seeds.test.ts can run the check in
CI: `python3 -m training.seeds` exits non-zero when two ranges overlap, when a scene in
training/*.py is generated from a seed that does not come from `scene_seed`, or when a file draws
from a stage it has no business with (FILE_STAGES).
"""

from __future__ import annotations

import pathlib
import re
import sys

# stage: (first seed, number of seeds). Training stages, the AMG threshold search, the shipped
# evaluation set (standard and crowded scenes) and the demo samples never share a scene.
RANGES: dict[str, tuple[int, int]] = {
    'encoder': (0, 300_000),
    'segmenter': (300_000, 300_000),
    'llm': (600_000, 300_000),
    'eval': (900_000, 20_000),
    'eval-crowded': (920_000, 10_000),
    'amg': (930_000, 20_000),
    'samples': (950_000, 10_000),
    'val': (960_000, 20_000),
    'val-crowded': (980_000, 10_000),
}


# The stages each file may draw scenes from: the AMG search never sees an evaluation scene, etc.
FILE_STAGES: dict[str, set[str]] = {
    'data.py': {'encoder', 'segmenter', 'llm'},
    'amg.py': {'amg'},
    'make_assets.py': {'eval', 'eval-crowded', 'samples', 'val', 'val-crowded'},
    'export.py': {'samples'},
}


def scene_seed(stage: str, i: int) -> int:
    """Seed of scene number `i` of `stage` (raises when `i` leaves the stage's range)."""
    first, size = RANGES[stage]
    if not 0 <= i < size:
        raise ValueError(f'scene {i} is outside the {size} seeds of stage {stage!r}')
    return first + i


def overlaps() -> list[str]:
    """Pairs of stages whose seed ranges overlap (empty when all are disjoint)."""
    out = []
    items = sorted(RANGES.items(), key=lambda kv: kv[1][0])
    for (a, (fa, na)), (b, (fb, _)) in zip(items, items[1:]):
        if fa + na > fb:
            out.append(f'{a} [{fa}, {fa + na}) overlaps {b} from {fb}')
    return out


def _sources(folder: pathlib.Path) -> list[tuple[str, str]]:
    """(file name, text) of every recipe module but this one."""
    return [(p.name, p.read_text()) for p in sorted(folder.glob('*.py')) if p.name != 'seeds.py']


def unguarded_scene_calls(folder: pathlib.Path) -> list[str]:
    """`generate_scene(...)` calls in training/*.py whose seed is not `scene_seed(...)`."""
    out = []
    for name, text in _sources(folder):
        for n, line in enumerate(text.splitlines(), 1):
            for m in re.finditer(r'generate_scene\(([^),]*)', line):
                arg = m.group(1).strip()
                if line.lstrip().startswith('def ') or arg.startswith('scene_seed('):
                    continue
                # a variable is fine when the file assigns it only from scene_seed(...)
                assigned = re.findall(rf'^\s*{re.escape(arg)} = (.*)$', text, re.M) if arg.isidentifier() else []
                if assigned and all('scene_seed(' in v for v in assigned):
                    continue
                out.append(f'{name}:{n}: {line.strip()}')
    return out


def foreign_stages(folder: pathlib.Path) -> list[str]:
    """`scene_seed('<stage>', ...)` uses outside the stages FILE_STAGES allows for that file."""
    return [f'{name} draws from stage {stage!r}' for name, text in _sources(folder)
            for stage in re.findall(r"scene_seed\('([^']+)'", text) if stage not in FILE_STAGES.get(name, set())]


def main() -> int:
    """Check the ranges and the call sites; print what is wrong."""
    folder = pathlib.Path(__file__).parent
    problems = overlaps() + [f'seed not from scene_seed: {c}' for c in unguarded_scene_calls(folder)] + foreign_stages(folder)
    for p in problems:
        print(p)
    if not problems:
        print(f'{len(RANGES)} seed ranges disjoint; every generate_scene call draws from scene_seed')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
