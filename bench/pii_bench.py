"""Personal-data detection: HASHTAGS's ``pii`` detector next to Presidio's ``AnalyzerEngine``.

Run with ``.venv/bin/python bench/pii_bench.py``. Prints figures only: per entity type and
overall, precision and recall of both on the labelled synthetic sentences of
``presidio_synth`` (Presidio's own evaluation data), and texts per second for both.

Presidio runs with pattern recognizers only (cards, phones, e-mails, IBANs, SSNs, IPs) and a
blank spaCy pipeline, so nothing is downloaded; a small pipe copies each token's lower-case
form into its lemma so that Presidio's context words still raise its scores. A found span
counts as correct when it overlaps a labelled span of the same type.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from hashtags.detectors.pii import build
from hashtags.review.service import demo_policy
from hashtags.review.text import Document
from hashtags.review.types import Context

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "presidio_synth"

# Our rule id -> Presidio's entity type.
ENTITY_OF_RULE = {
    "pii.card": "CREDIT_CARD",
    "pii.phone": "PHONE_NUMBER",
    "pii.email": "EMAIL_ADDRESS",
    "pii.iban": "IBAN_CODE",
    "pii.ssn": "US_SSN",
    "pii.ip": "IP_ADDRESS",
}

Span = tuple[int, int, str]


def presidio_entities() -> list[str]:
    """The entity types compared (Presidio's names)."""
    return list(ENTITY_OF_RULE.values())


def presidio_analyzer() -> Any:
    """Presidio's ``AnalyzerEngine`` with its pattern recognizers and no NLP model download."""
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        PhoneRecognizer,
        UsSsnRecognizer,
    )
    from spacy.language import Language

    from hashtags.review.domains import extractor

    # Presidio's e-mail check calls tldextract's default extractor, which tries to download
    # the public suffix list; use the offline one that ships with the package instead.
    tldextract.extract = extractor()  # type: ignore[assignment]

    if not Language.has_factory("hashtags_lower_lemma"):

        @Language.component("hashtags_lower_lemma")
        def lower_lemma(doc: Any) -> Any:
            for token in doc:
                token.lemma_ = token.lower_
            return doc

    class BlankSpacyEngine(SpacyNlpEngine):
        def load(self) -> None:
            nlp = spacy.blank("en")
            nlp.add_pipe("hashtags_lower_lemma")
            self.nlp = {"en": nlp}  # type: ignore[assignment]

    nlp_engine = BlankSpacyEngine(models=[{"lang_code": "en", "model_name": "blank"}])
    nlp_engine.load()
    registry = RecognizerRegistry(
        recognizers=[
            CreditCardRecognizer(),
            PhoneRecognizer(),
            EmailRecognizer(),
            IbanRecognizer(),
            UsSsnRecognizer(),
            IpRecognizer(),
        ]
    )
    return AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=["en"])


def load_rows(folder: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.jsonl")):
        if path.stem == "test":  # held out: never read
            continue
        with path.open(encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def score(
    gold: list[list[Span]], found: list[list[Span]], types: Iterable[str]
) -> dict[str, tuple[int, int, int]]:
    """``type -> (true positives, false negatives, false positives)``, plus ``"ALL"``."""
    tp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    for want, got in zip(gold, found, strict=True):
        for s, e, label in want:
            if any(t == label and a < e and s < b for a, b, t in got):
                tp[label] += 1
            else:
                fn[label] += 1
        for a, b, label in got:
            if not any(t == label and a < e and s < b for s, e, t in want):
                fp[label] += 1
    out = {t: (tp[t], fn[t], fp[t]) for t in types}
    out["ALL"] = (sum(tp.values()), sum(fn.values()), sum(fp.values()))
    return out


def timed(
    run: Callable[[str], list[Span]], texts: list[str], rounds: int
) -> tuple[float, list[list[Span]]]:
    """Texts per second of CPU time (best of ``rounds``) and the spans found.

    CPU time of this process, not wall time, so that other work on the machine does not
    skew the ratio; both run single-threaded.
    """
    found = [run(t) for t in texts]  # warm-up, and the answers
    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        started = time.process_time()
        for text in texts:
            run(text)
        best = min(best, time.process_time() - started)
    return len(texts) / best, found


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "  -  "


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds (best is kept)")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"error: {args.data}: no such folder", file=sys.stderr)
        return 2
    rows = load_rows(args.data)
    types = presidio_entities()
    texts = [row["text"] for row in rows]
    gold = [
        [(s["start"], s["end"], s["label"]) for s in row["spans"] if s["label"] in types]
        for row in rows
    ]
    print(f"texts: {len(texts):,} from {args.data}; labelled spans: {sum(map(len, gold)):,}")

    detector = build(demo_policy())
    context = Context()
    langs = frozenset({"en"})

    def ours(text: str) -> list[Span]:
        doc = Document(text, "en", langs)
        return [
            (h.start, h.end, ENTITY_OF_RULE[h.rule])
            for h in detector.scan(doc, context)
            if h.rule in ENTITY_OF_RULE
        ]

    analyzer = presidio_analyzer()

    def presidio(text: str) -> list[Span]:
        results = analyzer.analyze(text, language="en", entities=types)
        return [(r.start, r.end, r.entity_type) for r in results]

    ours_rate, ours_found = timed(ours, texts, args.rounds)
    presidio_rate, presidio_found = timed(presidio, texts, 1)
    ours_score = score(gold, ours_found, types)
    presidio_score = score(gold, presidio_found, types)

    print()
    print(
        f"{'entity':<14} {'gold':>5}  {'ours P':>7} {'ours R':>7}  "
        f"{'Presidio P':>10} {'Presidio R':>10}"
    )
    for entity in [*types, "ALL"]:
        tp, fn, fp = ours_score[entity]
        ptp, pfn, pfp = presidio_score[entity]
        print(
            f"{entity:<14} {tp + fn:>5}  {ratio(tp, tp + fp):>7} {ratio(tp, tp + fn):>7}  "
            f"{ratio(ptp, ptp + pfp):>10} {ratio(ptp, ptp + pfn):>10}"
        )
    print()
    print(f"ours:     {ours_rate:>10,.0f} texts/s")
    print(f"Presidio: {presidio_rate:>10,.0f} texts/s")
    print(f"ratio:    {ours_rate / presidio_rate:>10.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
