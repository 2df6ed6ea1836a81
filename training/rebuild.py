"""Rebuild training checkpoints of the frozen vision stages from a shipped package's ONNX files.

The encoder and segmenter stages are deterministic functions of their code and seeds; when their
code is unchanged, their shipped ONNX files are what those stages produce, and retraining them
(over an hour on 2 cores) only to continue the recipe would be wasted. This inverts the export:
a freshly initialised model is exported with the same code (BatchNorm set to identity, so the
folded convolutions equal the raw ones), every ONNX initializer of that export is matched by value
to the parameter it came from (as is, transposed or reshaped), and the shipped initializers of the
same names are loaded back through the same mapping. The rebuilt checkpoints are checked against
the package's numeric reference before they are written.

  python3 -m training.rebuild [--package public/models/shapesworld] [--reference tests/fixtures/shapesworld]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Callable

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

from .data import pixel_values
from .export import FILES, Embedder, MergedDecoder, export_component, package_paths
from .models import DecoderLM, Projector, PromptMaskDecoder, SegVisionEncoder, ViT
from .shapesworld import SCENE_SIZE
from .tokenizer import Tokenizer
from .train import LLM_DIM, LLM_HEADS, OUT


def _initializers(path: str) -> dict[str, np.ndarray]:
    return {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}


def _identity_batchnorm(model: nn.Module) -> None:
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.zero_()
            m.running_var.fill_(1.0 - m.eps)
            m.weight.data.fill_(1.0)
            m.bias.data.zero_()


def _mapping(model: nn.Module, fresh: dict[str, np.ndarray]) -> dict[str, tuple[str, str]]:
    """ONNX initializer name -> (state-dict key, 'same' | 'T' | 'reshape' | 'row<i>') by value."""
    state = {k: v.detach().numpy() for k, v in model.state_dict().items() if v.dtype.is_floating_point}
    out: dict[str, tuple[str, str]] = {}
    for name, a in fresh.items():
        if a.dtype != np.float32 or a.size < 2:
            continue
        for key, p in state.items():
            rows = [i for i in range(len(p)) if p.ndim == 2 and p[i].size == a.size
                    and np.allclose(p[i].reshape(a.shape), a, rtol=1e-5, atol=1e-7)]
            if rows:  # one row of a table used on its own (e.g. the bg/fg point embeddings)
                out[name] = (key, f'row{rows[0]}')
                break
            if p.size != a.size:
                continue
            if p.shape == a.shape and np.allclose(p, a, rtol=1e-5, atol=1e-7):
                out[name] = (key, 'same')
            elif p.ndim == 2 and p.T.shape == a.shape and np.allclose(p.T, a, rtol=1e-5, atol=1e-7):
                out[name] = (key, 'T')
            elif np.allclose(p.reshape(a.shape), a, rtol=1e-5, atol=1e-7):
                out[name] = (key, 'reshape')
            else:
                continue
            break
    return out


def exporter(kind: str, sam_embeddings: tuple[torch.Tensor, torch.Tensor] | None = None) -> Callable[[nn.Module, str], None]:
    """Exports a module as component `kind` into a folder's model.onnx (what `rebuild` compares)."""
    return lambda m, d: export_component(kind, m, f'{d}/model.onnx', sam_embeddings)


def rebuild(model: nn.Module, shipped_path: str, export: Callable[[nn.Module, str], None], elsewhere: tuple[str, ...] = ()) -> nn.Module:
    """Load the weights of the ONNX file at `shipped_path` into `model` (exported by `export`);
    parameters named in `elsewhere` live in another file and are not required here."""
    torch.manual_seed(1234)
    with torch.no_grad():
        for p in model.parameters():  # distinct values so every initializer matches one parameter
            p.copy_(torch.randn_like(p))
    _identity_batchnorm(model)
    model.eval()
    with tempfile.TemporaryDirectory() as d:
        export(model, d)
        fresh = _initializers(os.path.join(d, 'model.onnx'))
    shipped = _initializers(shipped_path)
    if set(fresh) != set(shipped):
        raise SystemExit(f'{shipped_path}: initializer names differ from this code\'s export; the stage code changed, retrain it')
    mapping = _mapping(model, fresh)
    bn = {n for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)}
    params = {k for k, _ in model.named_parameters() if k.rsplit('.', 1)[0] not in bn and k not in elsewhere}
    rows = {k for k, how in mapping.values() if how.startswith('row')}
    unmapped = sorted(params - {k for k, _ in mapping.values()})
    for k in rows:  # every row of a split table must be found
        if {int(h[3:]) for kk, h in mapping.values() if kk == k} != set(range(len(model.state_dict()[k]))):
            unmapped.append(k)
    if unmapped:
        raise SystemExit(f'{shipped_path}: no initializer found for {unmapped}')
    state = model.state_dict()
    with torch.no_grad():
        for name, (key, how) in mapping.items():
            a = torch.from_numpy(shipped[name].copy())
            if how.startswith('row'):
                state[key][int(how[3:])].copy_(a.reshape(-1))
            else:
                state[key].copy_(a.T if how == 'T' else a.reshape(state[key].shape))
    return model


def _check(name: str, got: torch.Tensor, want: np.ndarray) -> None:
    err = float((got - torch.from_numpy(want.copy())).abs().max())
    print(f'{name}: max |rebuilt - reference| = {err:.2e}')
    if err > 1e-3:
        raise SystemExit(f'{name}: rebuilt checkpoint does not reproduce the reference')


def _reference(folder: str) -> dict[str, np.ndarray]:
    index = json.load(open(f'{folder}/reference.json'))['arrays']
    blob = open(f'{folder}/reference.bin', 'rb').read()
    out = {}
    for k, v in index.items():
        n = int(np.prod(v['shape']))
        out[k] = np.frombuffer(blob, dtype=v['dtype'], count=n, offset=v['offset']).reshape(v['shape'])
    return out


def main() -> None:
    """Rebuild encoder.pt and segmenter.pt in training/out from the shipped package."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--package', default='public/models/shapesworld')
    ap.add_argument('--reference', default='tests/fixtures/shapesworld')
    ap.add_argument('--llm', help='also rebuild the LLM side (projector, embedder, decoder) as training/out/<LLM>.pt')
    ap.add_argument('--variant', help='with --llm: the ablation whose LLM side to rebuild (manifest-<variant>.json)')
    a = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    x = torch.zeros(1, 3, SCENE_SIZE, SCENE_SIZE)
    vit = rebuild(ViT(), f'{a.package}/{FILES["encoder"]}', exporter('encoder'))
    senc = rebuild(SegVisionEncoder(), f'{a.package}/{FILES["sam_vision"]}', exporter('sam_vision'))
    sdec = rebuild(PromptMaskDecoder(), f'{a.package}/{FILES["sam_decoder"]}', exporter('sam_decoder', senc(x)))
    ref = _reference(a.reference)
    with torch.no_grad():
        px = pixel_values(ref['image'][None].copy())
        _check('encoder.last_hidden_state', vit(px), ref['encoder.last_hidden_state'])
        emb, pos = senc(px)
        _check('sam.image_embeddings', emb.reshape(-1)[::97], ref['sam.image_embeddings.sample'])
        iou, masks = sdec(torch.from_numpy(ref['sam.input_points'].copy()), torch.from_numpy(ref['sam.input_labels'].copy()), emb, pos)
        _check('sam.pred_masks', masks, ref['sam.pred_masks'])
        _check('sam.iou_scores', iou, ref['sam.iou_scores'])
    torch.save(vit.state_dict(), f'{OUT}/encoder.pt')
    torch.save({'enc': senc.state_dict(), 'dec': sdec.state_dict()}, f'{OUT}/segmenter.pt')
    print(f'wrote {OUT}/encoder.pt and {OUT}/segmenter.pt')
    if a.llm:
        rebuild_llm(a.package, a.variant, a.llm, ref if not a.variant else None)


def rebuild_llm(package: str, variant: str | None, name: str, ref: dict[str, np.ndarray] | None) -> None:
    """training/out/<name>.pt (+ <name>.json) from a package's projector, embedder and decoder."""
    paths = package_paths(variant)
    manifest = json.load(open(f'{package}/manifest{"-" + variant if variant else ""}.json'))
    lm = DecoderLM(Tokenizer().size, LLM_DIM, manifest['llm']['numLayers'], LLM_HEADS)
    proj = Projector(128, LLM_DIM)

    rebuild(proj, f'{package}/{paths["projector"]}', exporter('projector'))
    rebuild(MergedDecoder(lm), f'{package}/{paths["decoder"]}', exporter('decoder'), elsewhere=('lm.embed.weight',))
    rebuild(Embedder(lm), f'{package}/{paths["embed"]}', exporter('embed'))
    if ref is not None:
        with torch.no_grad():
            _check('projector.image_embeds', proj(torch.from_numpy(ref['projector.image_features'].copy())), ref['projector.image_embeds'])
            x = torch.from_numpy(ref['llm.prefill.inputs_embeds'].copy())
            n = x.shape[1]
            logits, _ = lm(x, torch.ones(1, n, dtype=torch.long), torch.arange(n)[None], lm.empty_past(1))
            _check('llm.prefill.last_logits', logits[0, -1], ref['llm.prefill.last_logits'])
            _check('llm.embed_tokens', lm.embed(torch.from_numpy(ref['llm.prompt_ids'].copy()))[None], ref['llm.embed_tokens'])
    torch.save({'lm': lm.state_dict(), 'proj': proj.state_dict(), 'step': -1}, f'{OUT}/{name}.pt')
    tokens = manifest['tokens']
    with open(f'{OUT}/{name}.json', 'w') as f:
        json.dump({'rebuilt_from': package, 'patch_only': tokens['kinds'] == ['patch'], 'norm_scale': tokens['normScale'] == 'per-image',
                   'object_position': tokens.get('objectPosition', 'none')}, f)
    print(f'wrote {OUT}/{name}.pt')


if __name__ == '__main__':
    main()
