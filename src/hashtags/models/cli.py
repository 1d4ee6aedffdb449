"""Commands for the trained models: ``train``, ``eval`` and ``replies suggest``.

The main ``hashtags`` command mounts them with :func:`register`; ``app`` is the same commands
as a Typer application of their own (used by the tests).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from hashtags.review.text import lone_surrogate

err = Console(stderr=True, highlight=False)

EXIT_OK, EXIT_LINE_ERRORS, EXIT_INVALID = 0, 1, 4

replies_app = typer.Typer(
    help="Suggest pre-approved replies for incoming messages.", no_args_is_help=True
)


def _fail(message: str, code: int = EXIT_INVALID) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)


def _training() -> Any:
    """The ``training`` package of a source checkout (it is not installed with the package)."""
    root = Path(__file__).resolve().parents[3]
    if not (root / "training" / "__init__.py").is_file():
        raise _fail(
            "training needs a source checkout of hashtags (the training/ folder beside src/) "
            "and the data sets (HASHTAGS_DATA or shared/data beside the checkout)"
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    import training

    return training


def train(
    task: Annotated[
        str, typer.Argument(help="text (toxicity, sentiment), replies, or all.")
    ] = "all",
) -> None:
    """Train the classifiers and write their artifacts and model cards (source checkout)."""
    _training()
    from training.__main__ import main as train_main

    code = train_main([task])
    if code:
        raise typer.Exit(code)


class EvalTasks(StrEnum):
    text = "text"
    intents = "intents"


def evaluate(
    output: Annotated[
        Path | None, typer.Option("--json", help="Also write the results as JSON to this file.")
    ] = None,
    skip_peers: Annotated[bool, typer.Option("--no-peers", help="Only our models.")] = False,
    only: Annotated[
        EvalTasks | None,
        typer.Option("--only", help="Only the text tasks or only the intent tasks."),
    ] = None,
) -> None:
    """Our models next to the peers on every task's development split, with µs per text."""
    _training()
    from training.evaluate import print_table, run_all

    results = run_all(peers=not skip_peers, only=only.value if only else None)
    print_table(results)
    if output is not None:
        output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


@replies_app.command("suggest")
def replies_suggest(
    input_path: Annotated[
        Path, typer.Argument(help="JSON Lines: id, text, optional lang ('-' for stdin).")
    ],
    library: Annotated[Path, typer.Option("--library", "-l", help="Reply library (YAML/JSON).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="JSON Lines out ('-' for stdout).")
    ] = Path("-"),
    top: Annotated[int, typer.Option(min=1, max=20, help="At most this many suggestions.")] = 3,
    min_score: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Confidence needed (default: the calibrated one)."),
    ] = None,
) -> None:
    """One output line per input line: id and suggestions (reply, intent, score, text), best
    first; an empty list when nothing fits, or an error naming the line."""
    from hashtags.models.encoder import EncoderMissing
    from hashtags.models.replies import LibraryError, ReplyMatcher, load_library

    try:
        matcher = ReplyMatcher(load_library(library))
    except (LibraryError, EncoderMissing) as exc:
        raise _fail(str(exc)) from exc
    if str(input_path) != "-" and not input_path.is_file():
        raise _fail(f"{input_path}: no such file")
    errors = 0
    source: IO[str] = (
        sys.stdin
        if str(input_path) == "-"
        else open(input_path, encoding="utf-8", errors="replace")  # noqa: SIM115
    )
    try:
        with source, _sink(output) as sink:
            batch: list[tuple[int, str]] = []
            for number, raw in enumerate(source, start=1):
                batch.append((number, raw))
                if len(batch) == 256:
                    errors += _suggest_batch(matcher, batch, sink, top, min_score)
                    batch = []
            if batch:
                errors += _suggest_batch(matcher, batch, sink, top, min_score)
    except EncoderMissing as exc:  # the output file is not written (see _sink)
        raise _fail(str(exc)) from exc
    if errors:
        err.print(f"{errors} line(s) had errors (see the 'error' field of those lines)")
        raise typer.Exit(EXIT_LINE_ERRORS)


def _suggest_batch(
    matcher: Any, batch: list[tuple[int, str]], sink: IO[str], top: int, min_score: float | None
) -> int:
    parsed: list[dict[str, Any]] = []
    for number, raw in batch:
        parsed.append(_parse_line(number, raw))
    good = [p for p in parsed if "error" not in p]
    results = matcher.suggest(
        [p["text"] for p in good], [p["lang"] for p in good], top=top, min_score=min_score
    )
    found = iter(results)
    errors = 0
    for p in parsed:
        if "error" in p:
            errors += 1
            obj = p
        else:
            obj = {"id": p["id"], "suggestions": [s.to_dict() for s in next(found)]}
        sink.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
    return errors


def _parse_line(number: int, raw: str) -> dict[str, Any]:
    def error(item_id: object, message: str) -> dict[str, Any]:
        return {"id": item_id, "line": number, "error": f"line {number}: {message}"}

    raw = raw.strip()
    if not raw:
        return error(None, "empty line")
    try:
        item = json.loads(raw)
    except json.JSONDecodeError as exc:
        return error(None, f"not valid JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(item, dict):
        return error(None, "expected a JSON object with 'id' and 'text'")
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        what = "no 'text'" if text is None else "'text' must be a non-empty string"
        return error(item.get("id"), what)
    at = lone_surrogate(text)
    if at is not None:
        return error(
            item.get("id"),
            f"'text' has a lone surrogate (U+{ord(text[at]):04X}) at character {at + 1}: "
            "it is not valid Unicode",
        )
    lang = item.get("lang")
    if lang is not None and not isinstance(lang, str):
        return error(item.get("id"), "'lang' must be a string such as 'es' or 'en'")
    return {"id": item.get("id"), "text": text, "lang": lang or None}


class _sink:
    """Stdout, or a temporary file renamed over the target at the end (never half-written)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp: str | None = None
        self.handle: IO[str] | None = None

    def __enter__(self) -> IO[str]:
        if str(self.path) == "-":
            return sys.stdout
        fd, self.tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent or Path(".")
        )
        self.handle = os.fdopen(fd, "w", encoding="utf-8")
        return self.handle

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if self.handle is None or self.tmp is None:
            sys.stdout.flush()
            return
        self.handle.close()
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)


def register(main_app: typer.Typer) -> None:
    """Mount ``train``, ``eval`` and ``replies`` on the main ``hashtags`` command."""
    main_app.command("train")(train)
    main_app.command("eval")(evaluate)
    main_app.add_typer(replies_app, name="replies")


app = typer.Typer(
    help="Trained text classifiers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
register(app)
