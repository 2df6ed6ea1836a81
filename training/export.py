"""Export trained checkpoints to a mask-llava-web model package (src/models/manifest.ts).

  python3 -m training.export --llm llm-main --out public/models/shapesworld [--reference DIR]

Writes every ONNX component, the tokenizer files and manifest.json (sizes + sha256). With
--reference it also writes numeric reference inputs/outputs for one sample, checked against
onnxruntime-web by tests/unit/shapesworld-export.test.ts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn

from . import composition as C
from .data import GRID, MEAN, PATCH, STD, pixel_values
from .models import DecoderLM, Projector, PromptMaskDecoder, SegVisionEncoder, ViT
from .seeds import scene_seed
from .shapesworld import MASK_SIZE, SCENE_SIZE, generate_scene
from .tokenizer import END, IMAGE, Tokenizer, render_prompt
from .train import BUDGETS, OUT, load_llm, load_segmenter

OPSET = 14
# Budget presets: names say the budget only; the plan a budget buys depends on the image's masks
# (the demo shows it per image, e.g. "15 = 1+9+5 of 149"). 15 and 4 cut the full ~149-165 tokens
# ~10x and ~38x, the paper's ratios for 576 -> 57 and -> 15.
PRESETS = [('full', BUDGETS['full'])] + [(f'{b} tokens', b) for b in (57, 29, 15, 4)]
DEFAULT_BUDGET = 57  # generate()'s plan when the caller passes none: the paper's headline mix
FILES = {  # the folder convention of docs/model-format.md
    'encoder': 'encoder/model.onnx',
    'sam_vision': 'segmenter/vision_encoder.onnx',
    'sam_decoder': 'segmenter/prompt_encoder_mask_decoder.onnx',
    'projector': 'projector.onnx',
    'embed': 'llm/embed_tokens.onnx',
    'decoder': 'llm/decoder_model_merged.onnx',
}
TOKENIZER_FILES = ['llm/tokenizer.json', 'llm/tokenizer_config.json']
# Defaults for automatic mask generation, chosen with training/amg.py (see its report).
AMG_DEFAULTS = {'pointsPerSide': 16, 'pointsPerBatch': 16, 'predIouThreshold': 0.7, 'stabilityThreshold': 0.85,
                'stabilityOffset': 1.0, 'nmsThreshold': 0.5, 'minAreaFraction': 0.001}


class MergedDecoder(nn.Module):
    """transformers.js's decoder_model_merged signature over flat past/present tensors."""

    def __init__(self, lm: DecoderLM) -> None:
        super().__init__()
        self.lm = lm

    def forward(self, inputs_embeds, attention_mask, position_ids, *past):  # noqa: ANN001
        pairs = [(past[2 * i], past[2 * i + 1]) for i in range(self.lm.depth)]
        logits, present = self.lm(inputs_embeds, attention_mask, position_ids, pairs)
        return (logits, *[t for kv in present for t in kv])


class Embedder(nn.Module):
    """input_ids -> inputs_embeds."""

    def __init__(self, lm: DecoderLM) -> None:
        super().__init__()
        self.embed = lm.embed

    def forward(self, input_ids):  # noqa: ANN001
        return self.embed(input_ids)


def load_models(llm_name: str) -> tuple[ViT, SegVisionEncoder, PromptMaskDecoder, Projector, DecoderLM, Tokenizer]:
    """Checkpoints from training/out (eval mode)."""
    tok = Tokenizer()
    vit = ViT()
    vit.load_state_dict(torch.load(f'{OUT}/encoder.pt'))
    senc, sdec = load_segmenter()
    lm, proj = load_llm(llm_name)
    for m in (vit, senc, sdec, lm, proj):
        m.eval()
    return vit, senc, sdec, proj, lm, tok


def _export(model: nn.Module, args: tuple, path: str, inputs: list[str], outputs: list[str], axes: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(model, args, path, input_names=inputs, output_names=outputs, dynamic_axes=axes,
                          opset_version=OPSET, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


LLM_SIDE = ('projector', 'embed', 'decoder')


def package_paths(variant: str | None) -> dict[str, str]:
    """Component paths relative to the package folder.

    A variant (ablation) lives in the main package's folder as manifest-<variant>.json and
    shares its image encoder, segmenter and tokenizer; only the LLM side differs
    (ablations/<variant>/). Manifest paths cannot leave the folder, so this is how files are shared.
    """
    if not variant:
        return dict(FILES)
    return {k: f'ablations/{variant}/{v}' if k in LLM_SIDE else v for k, v in FILES.items()}


def export_all(vit: ViT, senc: SegVisionEncoder, sdec: PromptMaskDecoder, proj: Projector, lm: DecoderLM, out: str,
               variant: str | None) -> None:
    """Write the ONNX components into `out` (only the LLM side for a variant)."""
    paths = package_paths(variant)
    if not variant:
        export_component('encoder', vit, f'{out}/{paths["encoder"]}')
        export_component('sam_vision', senc, f'{out}/{paths["sam_vision"]}')
        export_component('sam_decoder', sdec, f'{out}/{paths["sam_decoder"]}', senc(torch.zeros(1, 3, SCENE_SIZE, SCENE_SIZE)))
    export_component('projector', proj, f'{out}/{paths["projector"]}')
    export_component('embed', Embedder(lm), f'{out}/{paths["embed"]}')
    export_component('decoder', MergedDecoder(lm), f'{out}/{paths["decoder"]}')


def export_component(kind: str, module: nn.Module, path: str, sam_embeddings: tuple[torch.Tensor, torch.Tensor] | None = None) -> None:
    """One ONNX component of the package contract: `kind` is a FILES key; `module` the model for it
    (Embedder / MergedDecoder around the LM for 'embed' / 'decoder'); 'sam_decoder' needs the
    vision stage's (embeddings, positional embeddings) of an example image."""
    x = torch.zeros(1, 3, SCENE_SIZE, SCENE_SIZE)
    if kind == 'encoder':
        _export(module, (x,), path, ['pixel_values'], ['last_hidden_state'],
                {'pixel_values': {0: 'batch'}, 'last_hidden_state': {0: 'batch'}})
    elif kind == 'sam_vision':
        _export(module, (x,), path, ['pixel_values'], ['image_embeddings', 'image_positional_embeddings'],
                {'pixel_values': {0: 'batch'}, 'image_embeddings': {0: 'batch'}, 'image_positional_embeddings': {0: 'batch'}})
    elif kind == 'sam_decoder':
        assert sam_embeddings is not None
        pts = torch.rand(1, 3, 2, 2) * SCENE_SIZE
        lab = torch.ones(1, 3, 2, dtype=torch.long)
        _export(module, (pts, lab, *sam_embeddings), path,
                ['input_points', 'input_labels', 'image_embeddings', 'image_positional_embeddings'], ['iou_scores', 'pred_masks'],
                {'input_points': {0: 'batch', 1: 'point_batch', 2: 'num_points'},
                 'input_labels': {0: 'batch', 1: 'point_batch', 2: 'num_points'},
                 'image_embeddings': {0: 'batch'}, 'image_positional_embeddings': {0: 'batch'},
                 'iou_scores': {0: 'batch', 1: 'point_batch'}, 'pred_masks': {0: 'batch', 1: 'point_batch'}})
    elif kind == 'projector':
        _export(module, (torch.zeros(1, 7, 128),), path, ['image_features'], ['image_embeds'],
                {'image_features': {0: 'batch', 1: 'tokens'}, 'image_embeds': {0: 'batch', 1: 'tokens'}})
    elif kind == 'embed':
        _export(module, (torch.zeros(1, 5, dtype=torch.long),), path, ['input_ids'], ['inputs_embeds'],
                {'input_ids': {0: 'batch', 1: 'sequence'}, 'inputs_embeds': {0: 'batch', 1: 'sequence'}})
    elif kind == 'decoder':
        lm = module.lm
        hd = lm.dim // lm.heads
        past = [torch.zeros(1, lm.heads, 3, hd) for _ in range(2 * lm.depth)]
        names_in = ['inputs_embeds', 'attention_mask', 'position_ids']
        names_out = ['logits']
        axes = {'inputs_embeds': {0: 'batch', 1: 'sequence'}, 'attention_mask': {0: 'batch', 1: 'total_sequence'},
                'position_ids': {0: 'batch', 1: 'sequence'}, 'logits': {0: 'batch', 1: 'sequence'}}
        for i in range(lm.depth):
            for kv in ('key', 'value'):
                names_in.append(f'past_key_values.{i}.{kv}')
                names_out.append(f'present.{i}.{kv}')
                axes[f'past_key_values.{i}.{kv}'] = {0: 'batch', 2: 'past_sequence'}
                axes[f'present.{i}.{kv}'] = {0: 'batch', 2: 'total_sequence'}
        args = (torch.zeros(1, 5, lm.dim), torch.ones(1, 8, dtype=torch.long), torch.arange(3, 8)[None], *past)
        _export(module, args, path, names_in, names_out, axes)
    else:
        raise ValueError(f'unknown component {kind!r}')


def sha256(path: str) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        h.update(f.read())
    return h.hexdigest()


def write_manifest(out: str, name: str, tok: Tokenizer, lm: DecoderLM, norm: str, object_pos: str, kinds: list[str],
                   amg: dict, variant: str | None) -> None:
    """manifest.json (or manifest-<variant>.json): the contract with every file's size and hash."""
    os.makedirs(f'{out}/llm', exist_ok=True)
    tok.save(f'{out}/llm')
    paths = package_paths(variant)
    files = {}
    for rel in sorted(list(paths.values()) + TOKENIZER_FILES):
        files[rel] = {'size': os.path.getsize(f'{out}/{rel}'), 'sha256': sha256(f'{out}/{rel}')}
    manifest = {
        'format': 'mask-llava-web',
        'version': 1,
        'name': name,
        'encoder': {
            'file': paths['encoder'], 'inputName': 'pixel_values', 'outputName': 'last_hidden_state',
            'preprocess': {'shortestEdge': SCENE_SIZE, 'cropSize': [SCENE_SIZE, SCENE_SIZE], 'mode': 'crop',
                           'rescaleFactor': 1 / 255, 'mean': list(MEAN), 'std': list(STD)},
            'grid': [GRID, GRID], 'hiddenSize': 128, 'patchSize': PATCH,
        },
        'segmenter': {
            'visionEncoder': paths['sam_vision'], 'promptDecoder': paths['sam_decoder'],
            'preprocess': {'longestEdge': SCENE_SIZE, 'padSize': SCENE_SIZE, 'rescaleFactor': 1 / 255,
                           'mean': list(MEAN), 'std': list(STD)},
            'maskSize': MASK_SIZE,
            'amg': amg,
        },
        'projector': {'file': paths['projector'], 'inputName': 'image_features', 'outputName': 'image_embeds'},
        'llm': {
            'embedTokens': paths['embed'], 'decoder': paths['decoder'], 'tokenizer': TOKENIZER_FILES[0],
            'tokenizerConfig': TOKENIZER_FILES[1], 'hiddenSize': lm.dim, 'numLayers': lm.depth,
            'numAttentionHeads': lm.heads,
            'numKeyValueHeads': lm.heads, 'headDim': lm.dim // lm.heads, 'vocabSize': tok.size, 'maxPositions': lm.max_pos,
        },
        'prompt': {'imageToken': IMAGE, 'eosTokenIds': [tok.special_ids[END]]},
        'tokens': {'maskResolution': MASK_SIZE, 'normScale': norm, 'objectPosition': object_pos, 'kinds': kinds,
                   'presets': [{'name': n, 'budget': b} for n, b in PRESETS], 'defaultBudget': DEFAULT_BUDGET},
        'files': files,
        # WASM: the graphs run within ~5% as fast unoptimised as at 'basic' or 'all' (no pass gains much at
        # these sizes), and a first visit's first answer comes ~0.3 s sooner (docs/model-format.md).
        'runtime': {'graphOptimizationLevel': {'wasm': 'disabled'}},
    }
    with open(f'{out}/manifest{"-" + variant if variant else ""}.json', 'w') as f:
        json.dump(manifest, f, indent=1)


def rewrite_manifest(out: str, variant: str | None, amg: dict | None) -> None:
    """Update an existing manifest's presets (and AMG defaults) without touching its components."""
    path = f'{out}/manifest{"-" + variant if variant else ""}.json'
    manifest = json.load(open(path))
    manifest['tokens']['presets'] = [{'name': n, 'budget': b} for n, b in PRESETS]
    if amg:
        manifest['segmenter']['amg'] = amg
    with open(path, 'w') as f:
        json.dump(manifest, f, indent=1)


# ---------------------------------------------------------------- numeric reference

class RefWriter:
    """Float32/int64/uint8 arrays appended to one .bin, described in a JSON index."""

    def __init__(self) -> None:
        self.blob = bytearray()
        self.index: dict[str, dict] = {}

    def add(self, name: str, a: np.ndarray | torch.Tensor) -> None:
        """Append an array under `name`."""
        a = a.detach().numpy() if isinstance(a, torch.Tensor) else a
        dtype = {np.dtype('float32'): 'float32', np.dtype('int64'): 'int64', np.dtype('uint8'): 'uint8'}[a.dtype]
        while len(self.blob) % 8:
            self.blob.append(0)
        self.index[name] = {'dtype': dtype, 'shape': list(a.shape), 'offset': len(self.blob)}
        self.blob += np.ascontiguousarray(a).tobytes()


@torch.no_grad()
def write_reference(folder: str, vit: ViT, senc: SegVisionEncoder, sdec: PromptMaskDecoder, proj: Projector,
                    lm: DecoderLM, tok: Tokenizer, object_pos: str) -> None:
    """Reference inputs/outputs of every component on one shipped-style sample."""
    os.makedirs(folder, exist_ok=True)
    w = RefWriter()
    scene = generate_scene(scene_seed('samples', 0))
    w.add('image', scene.image)  # uint8 [S,S,3]; the test normalises with the manifest's mean/std
    px = pixel_values(scene.image[None])
    hidden = vit(px)
    w.add('encoder.last_hidden_state', hidden)
    emb, pos = senc(px)
    w.add('sam.image_embeddings.sample', emb.reshape(-1)[::97].contiguous())
    w.add('sam.image_positional_embeddings.sample', pos.reshape(-1)[::97].contiguous())
    pts = torch.tensor([[[[o.vx, o.vy]] for o in scene.objects[:3]]], dtype=torch.float32)
    lab = torch.ones(pts.shape[:3], dtype=torch.long)
    iou, masks = sdec(pts, lab, emb, pos)
    w.add('sam.input_points', pts)
    w.add('sam.input_labels', lab)
    w.add('sam.iou_scores', iou)
    w.add('sam.pred_masks', masks)
    gt = torch.from_numpy(scene.masks())
    plan = C.plan_tokens(57, len(gt), GRID, GRID)
    vis, _ = C.compose(hidden[0], GRID, GRID, gt, plan, 'per-image', object_pos)
    w.add('projector.image_features', vis[None])
    img_embeds = proj(vis[None])
    w.add('projector.image_embeds', img_embeds)
    question = 'How many objects are there?'
    ids = tok.encode(render_prompt(question))
    at = ids.index(tok.special_ids[IMAGE])
    w.add('llm.prompt_ids', torch.tensor(ids))
    w.add('llm.embed_tokens', lm.embed(torch.tensor(ids))[None])
    x = torch.cat([lm.embed(torch.tensor(ids[:at])), img_embeds[0], lm.embed(torch.tensor(ids[at + 1:]))])[None]
    w.add('llm.prefill.inputs_embeds', x)
    L = x.shape[1]
    logits, past = lm(x, torch.ones(1, L, dtype=torch.long), torch.arange(L)[None], lm.empty_past(1))
    w.add('llm.prefill.last_logits', logits[0, -1])
    w.add('llm.prefill.present.0.key', past[0][0])
    generated = [int(logits[0, -1].argmax())]
    step_logits = []
    for step in range(3):
        e = lm.embed(torch.tensor([[generated[-1]]]))
        n = L + step
        lg, past = lm(e, torch.ones(1, n + 1, dtype=torch.long), torch.tensor([[n]]), past)
        step_logits.append(lg[0, -1])
        generated.append(int(lg[0, -1].argmax()))
    w.add('llm.steps.logits', torch.stack(step_logits))
    w.add('llm.generated', torch.tensor(generated))
    strings = [render_prompt(question), render_prompt('Is the red circle left of the blue square?') + 'yes' + END,
               'What color is the star? purple, orange 123 unknownword!', ' many  spaces\nand\ttabs ',
               '<|user|>\n<image>\nHow many yellow triangles are there?<|end|>\n<|assistant|>\n']
    with open(f'{folder}/reference.bin', 'wb') as f:
        f.write(bytes(w.blob))
    with open(f'{folder}/reference.json', 'w') as f:
        json.dump({
            'format': 'Arrays in reference.bin (little-endian) at byte offset with dtype and shape. '
                      'Written by training/export.py --reference from the model in public/models/shapesworld.',
            'sample_seed': scene_seed('samples', 0), 'objectPosition': object_pos, 'question': question, 'plan': {'budget': 57, 'cls': plan.cls, 'grid': list(plan.grid), 'objects': plan.objects},
            'sam_embedding_stride': 97,
            'tokenizer_cases': [{'text': s, 'ids': tok.encode(s)} for s in strings],
            'chat': {'messages': [{'role': 'user', 'content': question}], 'ids': ids},
            'arrays': w.index,
        }, f, indent=1)


def main() -> None:
    """CLI entry point."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--llm', default='llm-main', help='checkpoint name in training/out')
    p.add_argument('--out', default='public/models/shapesworld')
    p.add_argument('--name', default='ShapesWorld Mask-LLaVA')
    p.add_argument('--reference', help='folder for numeric reference files')
    p.add_argument('--amg', help='JSON file with AMG defaults (training/amg.py --write)')
    p.add_argument('--variant', help='ablation name: writes manifest-<variant>.json + ablations/<variant>/ into --out, '
                   'sharing the main package\'s encoder, segmenter and tokenizer')
    p.add_argument('--manifest-only', action='store_true',
                   help='only rewrite the existing manifest\'s presets and AMG defaults (no checkpoints needed)')
    args = p.parse_args()
    if args.manifest_only:
        rewrite_manifest(args.out, args.variant, json.load(open(args.amg)) if args.amg else None)
        return
    torch.set_num_threads(2)
    vit, senc, sdec, proj, lm, tok = load_models(args.llm)
    meta_path = f'{OUT}/{args.llm}.json'
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {}
    kinds = ['patch'] if meta.get('patch_only') else ['cls', 'patch', 'object']
    norm = 'per-image' if meta.get('norm_scale', True) else 'none'
    object_pos = meta.get('object_position', 'none')
    amg = json.load(open(args.amg)) if args.amg else AMG_DEFAULTS
    export_all(vit, senc, sdec, proj, lm, args.out, args.variant)
    write_manifest(args.out, args.name, tok, lm, norm, object_pos, kinds, amg, args.variant)
    if args.reference:
        write_reference(args.reference, vit, senc, sdec, proj, lm, tok, object_pos)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(args.out) for f in fs)
    print(f'exported {args.out}: {total / 1e6:.2f} MB')


if __name__ == '__main__':
    main()
