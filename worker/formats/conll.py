"""CONLL2003 export: text spans from ``Labels`` on ``Text`` as B-/I-/O token tags.

Matches label-studio-converter: a ``-DOCSTART- -X- O`` header, then per annotation one
``token -X- _ tag`` line per token and a blank line. Tokens come from NLTK's Treebank
tokenizer with the converter's punctuation rules, so token boundaries agree with Label Studio.
Only the first ``Labels`` control that has regions in an annotation is used, as there.
"""
import re
from operator import itemgetter

from nltk.tokenize.treebank import TreebankWordTokenizer

from ._common import annotation_items, bound_controls, buffered
from ..errors import ValidationError

NAME = "CONLL2003"
EXT = "conll"
MIMETYPE = "text/plain"
HEADER = "-DOCSTART- -X- O\n"


class _Tokenizer(TreebankWordTokenizer):
    """Treebank tokenizer with label-studio-converter's punctuation rules (kept off NLTK's class)."""

    PUNCTUATION = [
        (re.compile(r"([:,])([^\d])"), r" \1 \2"),
        (re.compile(r"([:,])$"), r" \1 "),
        (re.compile(r"\.\.\."), r" ... "),
        (re.compile(r"[;@#$/%&]"), r" \g<0> "),
        (re.compile(r'([^\.])(\.)([\]\)}>"\']*)\s*$'), r"\1 \2\3 "),
        (re.compile(r"[?!]"), r" \g<0> "),
        (re.compile(r"([^'])' "), r"\1 ' "),
    ]


_TOKENIZER = _Tokenizer()


def check(config):
    """Raise ``ValidationError`` unless the config has ``Labels`` on a ``Text``."""
    if not bound_controls(config, {"Labels"}, ("Text",)):
        raise ValidationError("CONLL2003 export needs <Labels> on a <Text> object")


def write(tasks, config, project):
    """Stream the CoNLL text."""
    check(config)
    return buffered(_chunks(tasks, config))


def _chunks(tasks, config):
    controls = bound_controls(config, {"Labels"}, ("Text",))
    key = config.objects[config.controls[controls[0]].to_names[0]].value
    yield HEADER.encode()
    for task in tasks:
        for item in annotation_items(task, config):
            spans = next((v for v in item.outputs.values() if v[0]["type"] == "Labels"), None)
            text = (item.task.get("data") or {}).get(key)
            tokens, tags = tokens_and_tags("" if text is None else str(text), spans)
            yield "".join(f"{token} -X- _ {tag}\n" for token, tag in zip(tokens, tags)).encode() + b"\n"


def tokenize(text):
    """``(token, start offset)`` pairs; plain whitespace splitting where NLTK cannot align."""
    try:
        return [(text[start:end], start) for start, end in _TOKENIZER.span_tokenize(text)]
    except ValueError:
        return [(m.group(), m.start()) for m in re.finditer(r"\S+", text)]


def tokens_and_tags(text, spans):
    """Tokens of ``text`` and their IOB tags from character ``spans`` (the converter's rules).

    A token is tagged when it overlaps the current span; spans are taken in start order and a
    span is left behind once a token starts after its end.
    """
    pairs = tokenize(text)
    tokens = [token for token, _ in pairs]
    if not spans or any(s.get("start") is None or s.get("end") is None for s in spans):
        return tokens, ["O"] * len(tokens)
    queue = sorted(spans, key=itemgetter("start"))
    span = queue.pop(0)
    prefix, tags = "B-", []
    for token, start in pairs:
        end = start + len(token) - 1
        if start > span["end"] - 1:
            while queue:
                span, prefix = queue.pop(0), "B-"
                if start <= span["end"] - 1:
                    break
        if end < span["start"] or not span.get("labels") or start > span["end"] - 1:
            tags.append("O")
        else:
            tags.append(prefix + span["labels"][0])
            prefix = "I-"
    return tokens, tags
