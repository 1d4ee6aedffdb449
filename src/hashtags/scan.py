"""Batch review of JSON Lines files: constant memory, order kept, several cores.

Each input line gives exactly one output line, in the same order: a review, or an ``error``
naming the line and what is wrong with it. The output is written to a temporary file beside
the target and renamed at the end, so a crash never leaves a half-written result.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from hashtags.policy.schema import Policy

if TYPE_CHECKING:
    from hashtags.models.text import TextSignals
from hashtags.review.engine import Engine, InvalidText
from hashtags.review.types import Context

BATCH_LINES = 512
"""Lines per unit of work sent to a worker process."""


@dataclass
class ScanStats:
    lines: int = 0
    errors: int = 0
    seconds: float = 0.0
    verdicts: Counter[str] = field(default_factory=Counter)


def review_line(engine: Engine, line_no: int, raw: str) -> dict[str, Any]:
    """One output object for one input line (never raises on bad input)."""
    parsed = parse_line(engine, line_no, raw)
    return parsed if isinstance(parsed, dict) else _review(engine, line_no, parsed, None)


@dataclass(frozen=True, slots=True)
class _Item:
    id: object
    text: str
    context: Context


def parse_line(engine: Engine, line_no: int, raw: str) -> _Item | dict[str, Any]:
    """The item to review, or the output object that reports what is wrong with the line."""
    raw = raw.strip()
    if not raw:
        return _error(None, line_no, "empty line")
    try:
        item = json.loads(raw)
    except json.JSONDecodeError as exc:
        return _error(None, line_no, f"not valid JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(item, dict):
        return _error(None, line_no, "expected a JSON object with 'id' and 'text'")
    item_id = item.get("id")
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        what = "no 'text'" if text is None else "'text' must be a non-empty string"
        return _error(item_id, line_no, what)
    account = item.get("account") or "brand"
    if account not in ("brand", "personal"):
        return _error(item_id, line_no, f"'account' is {account!r}; expected brand or personal")
    lang = item.get("lang") or None
    if lang is not None and lang not in engine.languages:
        languages = ", ".join(engine.languages)
        return _error(item_id, line_no, f"'lang' is {lang!r}; the policy's are {languages}")
    for key in ("channel", "author", "reply_to"):
        if item.get(key) is not None and not isinstance(item[key], str):
            return _error(item_id, line_no, f"'{key}' must be a string")
    try:
        engine.check(text)  # before the batch's classifiers see it
    except InvalidText as exc:
        return _error(item_id, line_no, str(exc))
    context = Context(
        account="personal" if account == "personal" else "brand",
        lang=lang,
        channel=item.get("channel"),
        author=item.get("author"),
        reply_to=item.get("reply_to"),
    )
    return _Item(item_id, text, context)


def _review(
    engine: Engine, line_no: int, item: _Item, signals: TextSignals | None
) -> dict[str, Any]:
    try:
        result = engine.review(item.text, item.context, signals=signals)
    except InvalidText as exc:
        return _error(item.id, line_no, str(exc))
    data = result.to_dict()
    return {
        "id": item.id,
        "verdict": data["verdict"],
        "findings": data["findings"],
        "signals": data["signals"],
    }


def _error(item_id: object, line_no: int, message: str) -> dict[str, Any]:
    return {"id": item_id, "line": line_no, "error": f"line {line_no}: {message}"}


# Worker processes build their engine once, from the policy sent at start-up.
_worker_engine: Engine | None = None
_worker_models = True


def _init_worker(policy: Policy, models: bool = True) -> None:
    global _worker_engine, _worker_models
    _worker_engine = Engine(policy)
    _worker_models = models


def _review_batch(first_line: int, lines: list[str]) -> list[tuple[str, str]]:
    """``(verdict or "error", output line)`` for each input line.

    The trained classifiers score the whole batch at once (vectorised; one text at a time
    costs ten times more), then each text is reviewed with its signals.
    """
    engine = _worker_engine
    assert engine is not None
    parsed = [parse_line(engine, first_line + i, raw) for i, raw in enumerate(lines)]
    items = [p for p in parsed if isinstance(p, _Item)]
    signals: dict[int, TextSignals] = {}
    if _worker_models and items:
        from hashtags.models.text import text_signals

        langs = [
            item.context.lang or engine.prepare(item.text, item.context).lang for item in items
        ]
        scored = text_signals([item.text for item in items], langs)
        signals = {id(item): found for item, found in zip(items, scored, strict=True)}
    out = []
    for i, entry in enumerate(parsed):
        obj = (
            entry
            if isinstance(entry, dict)
            else _review(engine, first_line + i, entry, signals.get(id(entry)))
        )
        out.append((obj.get("verdict", "error"), _dump(obj)))
    return out


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def _batches(stream: IO[str]) -> Iterator[tuple[int, list[str], int]]:
    """``(first line number, lines, bytes read)`` in batches of ``BATCH_LINES``."""
    batch: list[str] = []
    first = 1
    size = 0
    for number, line in enumerate(stream, start=1):
        batch.append(line)
        size += len(line.encode("utf-8", "surrogatepass"))
        if len(batch) == BATCH_LINES:
            yield first, batch, size
            batch, first, size = [], number + 1, 0
    if batch:
        yield first, batch, size


def scan_file(
    policy: Policy,
    input_path: Path,
    output_path: Path,
    *,
    jobs: int = 1,
    progress: bool = True,
    models: bool = True,
) -> ScanStats:
    """Review every line of ``input_path`` into ``output_path`` (``-`` for stdin/stdout)."""
    stats = ScanStats()
    started = time.perf_counter()
    to_stdout = str(output_path) == "-"
    if to_stdout:
        sink: IO[str] = sys.stdout
        tmp_name = None
    else:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{output_path.name}.", suffix=".part", dir=output_path.parent or Path(".")
        )
        sink = os.fdopen(fd, "w", encoding="utf-8")
    source: IO[str]
    if str(input_path) == "-":
        source = sys.stdin
        total = None
    else:
        source = open(input_path, encoding="utf-8", errors="replace")  # noqa: SIM115
        total = input_path.stat().st_size
    try:
        with source, _progress(progress, total) as advance:
            for results in _reviewed(policy, _batches(source), jobs, advance, models):
                for outcome, line in results:
                    stats.lines += 1
                    if outcome == "error":
                        stats.errors += 1
                    else:
                        stats.verdicts[outcome] += 1
                    sink.write(line)
        if tmp_name is not None:
            sink.close()
            os.replace(tmp_name, output_path)
            tmp_name = None
        else:
            sink.flush()
    finally:
        if tmp_name is not None:
            sink.close()
            os.unlink(tmp_name)
    stats.seconds = time.perf_counter() - started
    return stats


def _reviewed(
    policy: Policy,
    batches: Iterator[tuple[int, list[str], int]],
    jobs: int,
    advance: Any,
    models: bool,
) -> Iterator[list[tuple[str, str]]]:
    if jobs == 1:
        _init_worker(policy, models)
        for first, lines, size in batches:
            yield _review_batch(first, lines)
            advance(size)
        return
    # Keep at most 2 batches per worker in flight: memory stays constant, order is kept.
    with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(policy, models)) as pool:
        pending: deque[tuple[Future[list[tuple[str, str]]], int]] = deque()
        for first, lines, size in batches:
            pending.append((pool.submit(_review_batch, first, lines), size))
            if len(pending) >= 2 * jobs:
                future, done_size = pending.popleft()
                yield future.result()
                advance(done_size)
        while pending:
            future, done_size = pending.popleft()
            yield future.result()
            advance(done_size)


class _progress:
    """A Rich progress bar on stderr, advanced by bytes read; silent when disabled."""

    def __init__(self, enabled: bool, total: int | None) -> None:
        self.enabled = enabled
        self.total = total
        self._bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return lambda size: None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.__enter__()
        task = self._bar.add_task("reviewing", total=self.total)
        return lambda size: self._bar.advance(task, size)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
