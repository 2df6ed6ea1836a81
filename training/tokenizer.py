"""The LLM's tokenizer: a byte-level BPE in Hugging Face tokenizers JSON (what transformers.js loads).

Whole words of the world's vocabulary become single tokens through merge chains; anything else
falls back to byte tokens. `Tokenizer.encode` mirrors the HF pipeline (added-token split, GPT-2
pre-tokenizer regex on ASCII text, byte-level mapping, rank-ordered merges) so training builds
exactly the ids the browser builds; tests/unit/shapesworld-export.test.ts checks that.
"""

from __future__ import annotations

import json
import re

from .shapesworld import vocabulary

USER, ASSISTANT, END, IMAGE, PAD = '<|user|>', '<|assistant|>', '<|end|>', '<image>', '<pad>'
SPECIALS = [USER, ASSISTANT, END, IMAGE, PAD]

# Rendered prompt: the template inserts the image placeholder unless the message already has it.
# String content or Hugging Face list content ([{type: 'image'}, {type: 'text', text}]); system
# messages are not rendered (the model was trained without one).
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'user' %}<|user|>\n"
    "{% if message['content'] is string %}"
    "{% if '<image>' not in message['content'] %}<image>\n{% endif %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<image>\n{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|end|>\n"
    "{% elif message['role'] == 'assistant' %}<|assistant|>\n{{ message['content'] }}<|end|>\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)

# GPT-2's pre-tokenizer pattern restricted to ASCII (\p{L} -> letters, \p{N} -> digits).
_PRETOK = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")


def _bytes_to_unicode() -> dict[int, str]:
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_MAP = _bytes_to_unicode()


def render_prompt(question: str) -> str:
    """The chat template's output for one user turn plus the generation prompt."""
    return f'{USER}\n{IMAGE}\n{question}{END}\n{ASSISTANT}\n'


class Tokenizer:
    """Byte-level BPE over the world's vocabulary."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        for b in range(256):
            self.vocab[BYTE_MAP[b]] = len(self.vocab)
        self.merges: list[tuple[str, str]] = []
        self.ranks: dict[tuple[str, str], int] = {}
        words = vocabulary()
        for w in words + [' ' + w for w in words]:
            self._learn(''.join(BYTE_MAP[b] for b in w.encode()))
        self.special_ids = {}
        for s in SPECIALS:
            self.special_ids[s] = len(self.vocab)
            self.vocab[s] = len(self.vocab)
        self.inv = {i: t for t, i in self.vocab.items()}

    def _learn(self, word: str) -> None:
        # Append the merge the current rules would need next; appended merges have the lowest
        # priority, so they never change how earlier words are split.
        while True:
            parts = self._bpe(word)
            if len(parts) == 1:
                return
            pair = (parts[0], parts[1])
            self.ranks[pair] = len(self.merges)
            self.merges.append(pair)
            self.vocab[pair[0] + pair[1]] = len(self.vocab)

    def _bpe(self, word: str) -> list[str]:
        parts = list(word)
        while len(parts) > 1:
            best, at = None, -1
            for i in range(len(parts) - 1):
                r = self.ranks.get((parts[i], parts[i + 1]))
                if r is not None and (best is None or r < best):
                    best, at = r, i
            if best is None:
                break
            parts = parts[:at] + [parts[at] + parts[at + 1]] + parts[at + 2:]
        return parts

    @property
    def size(self) -> int:
        """Vocabulary size including special tokens."""
        return len(self.vocab)

    def encode(self, text: str) -> list[int]:
        """Token ids of `text` (special tokens recognised anywhere, no BOS/EOS added)."""
        ids: list[int] = []
        pattern = '(' + '|'.join(re.escape(s) for s in SPECIALS) + ')'
        for chunk in re.split(pattern, text):
            if not chunk:
                continue
            if chunk in self.special_ids:
                ids.append(self.special_ids[chunk])
                continue
            for piece in _PRETOK.findall(chunk):
                mapped = ''.join(BYTE_MAP[b] for b in piece.encode())
                ids += [self.vocab[p] for p in self._bpe(mapped)]
        return ids

    def decode(self, ids: list[int]) -> str:
        """Text of `ids` (special tokens kept)."""
        inv_bytes = {c: b for b, c in BYTE_MAP.items()}
        out, buf = [], bytearray()
        for i in ids:
            t = self.inv[i]
            if t in self.special_ids:
                out.append(buf.decode(errors='replace'))
                buf = bytearray()
                out.append(t)
            else:
                buf += bytes(inv_bytes[c] for c in t)
        out.append(buf.decode(errors='replace'))
        return ''.join(out)

    def tokenizer_json(self) -> dict:
        """tokenizer.json in the Hugging Face tokenizers format."""
        added = [{'id': self.special_ids[s], 'content': s, 'single_word': False, 'lstrip': False,
                  'rstrip': False, 'normalized': False, 'special': True} for s in SPECIALS]
        return {
            'version': '1.0',
            'truncation': None,
            'padding': None,
            'added_tokens': added,
            'normalizer': None,
            'pre_tokenizer': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True},
            'post_processor': None,
            'decoder': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True},
            'model': {
                'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': None,
                'end_of_word_suffix': None, 'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False,
                'vocab': {t: i for t, i in self.vocab.items() if t not in self.special_ids},
                'merges': [f'{a} {b}' for a, b in self.merges],
            },
        }

    def tokenizer_config(self) -> dict:
        """tokenizer_config.json with the chat template."""
        return {
            'tokenizer_class': 'PreTrainedTokenizerFast',
            'bos_token': None,
            'eos_token': END,
            'pad_token': PAD,
            'unk_token': None,
            'add_bos_token': False,
            'add_eos_token': False,
            'clean_up_tokenization_spaces': False,
            'model_max_length': 512,
            'chat_template': CHAT_TEMPLATE,
        }

    def save(self, folder: str) -> None:
        """Write tokenizer.json and tokenizer_config.json into `folder`."""
        with open(f'{folder}/tokenizer.json', 'w') as f:
            json.dump(self.tokenizer_json(), f, ensure_ascii=False)
        with open(f'{folder}/tokenizer_config.json', 'w') as f:
            json.dump(self.tokenizer_config(), f, ensure_ascii=False, indent=1)
