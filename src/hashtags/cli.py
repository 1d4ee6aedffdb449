"""The ``hashtags`` command line. Thin: parses arguments, calls the engine, prints.

Exit codes (also in ``--help``):

- 0: done; for ``check``, the text may be published (verdict allow or warn)
- 1: ``check``: the text needs approval (verdict review); ``scan``: some lines had errors
- 2: wrong usage (unknown option, missing argument)
- 3: ``check``: the text is blocked
- 4: the policy or the input cannot be used (the message says where and why)
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from hashtags import __version__
from hashtags.policy import PolicyError, load_policy
from hashtags.policy.schema import Policy
from hashtags.review.types import Context, Review, Verdict

EXIT_OK, EXIT_REVIEW, EXIT_USAGE, EXIT_BLOCK, EXIT_INVALID = 0, 1, 2, 3, 4
EXIT_CODES_HELP = (
    "Exit codes: 0 done (check: allow or warn); 1 check: needs approval, scan: some lines had "
    "errors; 2 wrong usage; 3 check: blocked; 4 the policy or the input cannot be used."
)

app = typer.Typer(
    name="hashtags",
    help="HASHTAGS: your social media policy, executable.\n\n" + EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
policy_app = typer.Typer(help="Write, check and publish the policy file.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

_VERDICT_STYLE = {
    Verdict.ALLOW: "bold green",
    Verdict.WARN: "bold yellow",
    Verdict.REVIEW: "bold dark_orange",
    Verdict.BLOCK: "bold red",
}
_SEVERITY_STYLE = {"low": "cyan", "medium": "yellow", "high": "dark_orange", "critical": "red"}

PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        "-p",
        help="Policy file (YAML). Default: the demo company's policy.",
        envvar="HASHTAGS_POLICY",
    ),
]


def _fail(message: str, code: int = EXIT_INVALID) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)


def _policy(path: Path | None) -> Policy:
    if path is None:
        from hashtags.review.service import demo_policy

        return demo_policy()
    try:
        return load_policy(path)
    except PolicyError as exc:
        raise _fail(str(exc)) from None


def _version(value: bool) -> None:
    if value:
        out.print(f"hashtags {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """HASHTAGS: your social media policy, executable."""


# --- check -------------------------------------------------------------------------------


@app.command(epilog=EXIT_CODES_HELP)
def check(
    text: Annotated[str, typer.Argument(help="The text to review; '-' reads standard input.")],
    policy: PolicyOption = None,
    account: Annotated[
        str, typer.Option(help="brand (a company account) or personal (an employee's own).")
    ] = "brand",
    lang: Annotated[
        str | None, typer.Option(help="Language of the text (default: detect).")
    ] = None,
    author: Annotated[
        str | None, typer.Option(help="The author's role (pr, employee...) or e-mail.")
    ] = None,
    reply_to: Annotated[
        str | None, typer.Option("--reply-to", help="The message this text answers.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the review as JSON.")] = False,
    models: Annotated[
        bool, typer.Option(help="Use the trained classifiers too (toxicity, sentiment).")
    ] = True,
) -> None:
    """Review one text against the policy and show the verdict and findings."""
    from hashtags.review.engine import Engine, InvalidText

    if text == "-":
        text = sys.stdin.read()
    if account not in ("brand", "personal"):
        raise _fail(f"--account: {account!r} is not one of brand, personal", EXIT_USAGE)
    chosen = _policy(policy)
    if lang is not None and lang not in chosen.organization.languages:
        languages = ", ".join(chosen.organization.languages)
        raise _fail(f"--lang: {lang!r} is not one of the policy's languages: {languages}")
    context = Context(account=account, lang=lang, author=author, reply_to=reply_to)  # type: ignore[arg-type]
    try:
        engine = Engine(chosen)
        result = (
            engine.review_with_models(text, context) if models else engine.review(text, context)
        )
    except InvalidText as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        _print_review(text, result)
    raise typer.Exit(_exit_for(result.verdict))


def _exit_for(verdict: Verdict) -> int:
    return {Verdict.REVIEW: EXIT_REVIEW, Verdict.BLOCK: EXIT_BLOCK}.get(verdict, EXIT_OK)


def highlighted(text: str, result: Review) -> Text:
    """The text with each finding's span underlined in its severity's colour.

    Personal data and secrets are shown redacted, as in the findings' snippets.
    """
    shown = list(text)
    for finding in result.findings:
        if finding.snippet != text[finding.start : finding.end]:
            shown[finding.start : finding.end] = list(finding.snippet)
    rich_text = Text("".join(shown))
    for finding in result.findings:
        if finding.end > finding.start:
            style = _SEVERITY_STYLE.get(str(finding.severity), "yellow")
            rich_text.stylize(f"{style} underline", finding.start, finding.end)
    return rich_text


def _print_review(text: str, result: Review) -> None:
    verdict = result.verdict
    out.print(
        Text.assemble(
            ("Verdict: ", "bold"),
            (str(verdict).upper(), _VERDICT_STYLE[verdict]),
            f"  ·  language {result.language}  ·  policy v{result.policy_version}",
        )
    )
    out.print(highlighted(text, result))
    if not result.findings:
        out.print("[green]No findings.[/]")
        return
    _ACTION_MARK = {"block": "✖", "review": "●", "warn": "▲"}
    for f in result.findings:
        style = _SEVERITY_STYLE.get(str(f.severity), "")
        out.print()
        out.print(
            Text.assemble(
                (f"{_ACTION_MARK.get(f.action, '•')} {f.action:<6} ", style),
                (f.rule, f"bold {style}"),
                f"  [{f.start}-{f.end}] ",
                (f"«{f.snippet}»" if f.snippet else "", "italic"),
            )
        )
        out.print(Text("   " + f.message))
        if f.fix:
            out.print(Text(f"   → {f.fix.label}", style="green"))


# --- scan --------------------------------------------------------------------------------


@app.command(epilog=EXIT_CODES_HELP)
def scan(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT.jsonl", help="'-' for stdin.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the reviews ('-' for stdout).")
    ],
    policy: PolicyOption = None,
    jobs: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    progress: Annotated[bool, typer.Option(help="Progress bar on stderr.")] = True,
    models: Annotated[
        bool, typer.Option(help="Add the trained classifiers' toxicity and sentiment signals.")
    ] = True,
) -> None:
    """Review a JSON Lines file: one review per input line, in the same order.

    In: id, text, optional account (brand|personal, default brand), lang, channel, author,
    reply_to. Out: id, verdict, findings, signals (language; with --models, also toxicity,
    offensive, hate, sentiment, sentiment_scores); a bad line gives an 'error' with its line
    number and the run goes on.
    """
    from hashtags.scan import scan_file

    chosen = _policy(policy)
    if str(input_path) != "-" and not input_path.is_file():
        raise _fail(f"{input_path}: no such file")
    try:
        stats = scan_file(chosen, input_path, output, jobs=jobs, progress=progress, models=models)
    except OSError as exc:
        raise _fail(f"{exc.filename or output}: {exc.strerror}") from None
    counts = [f"{count:,} {verdict}" for verdict, count in stats.verdicts.items()]
    if stats.errors:
        counts.append(f"[red]{stats.errors:,} with errors[/]")
    err.print(
        f"{stats.lines:,} lines: "
        + ", ".join(counts)
        + f"  ({stats.seconds:.1f} s, {stats.lines / max(stats.seconds, 1e-9):,.0f} lines/s)"
    )
    raise typer.Exit(EXIT_REVIEW if stats.errors else EXIT_OK)


# --- policy ------------------------------------------------------------------------------


@policy_app.command("init")
def policy_init(
    path: Annotated[Path, typer.Argument(help="Where to write it.")] = Path("policy.yaml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter policy (comments in Spanish and English)."""
    if path.exists() and not force:
        raise _fail(f"{path} already exists; use --force to overwrite it", EXIT_INVALID)
    text = (resources.files("hashtags.policy") / "starter.yaml").read_text("utf-8")
    path.write_text(text, encoding="utf-8")
    out.print(f"Wrote {path}. Edit it, then: hashtags policy validate {path}")


@policy_app.command("validate")
def policy_validate(path: Annotated[Path, typer.Argument(help="Policy file.")]) -> None:
    """Check a policy file; every problem is reported with its line."""
    chosen = _policy(path)
    from hashtags.review.engine import Engine

    engine = Engine(chosen)
    org = chosen.organization
    out.print(
        f"[green]✓[/] {escape(str(path))}: valid policy v{escape(chosen.version)} for "
        f"{escape(org.name)} ({org.industry}, {', '.join(org.languages)}); "
        f"{len(engine.effective_rules())} rules enforced"
    )


@policy_app.command("render")
def policy_render(
    path: Annotated[Path, typer.Argument(help="Policy file.")],
    lang: Annotated[str, typer.Option(help="es or en.")] = "es",
    fmt: Annotated[str, typer.Option("--format", help="md or html.")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
) -> None:
    """The policy document employees read, generated from the policy file."""
    from hashtags.policy.render import render_policy

    if lang not in ("es", "en"):
        raise _fail(f"--lang: {lang!r} is not one of es, en", EXIT_USAGE)
    if fmt not in ("md", "html"):
        raise _fail(f"--format: {fmt!r} is not one of md, html", EXIT_USAGE)
    chosen_fmt: Literal["md", "html"] = "md" if fmt == "md" else "html"
    document = render_policy(_policy(path), lang=lang, fmt=chosen_fmt)
    if output is None:
        sys.stdout.write(document)
    else:
        output.write_text(document, encoding="utf-8")
        err.print(f"Wrote {output}")


@policy_app.command("rules")
def policy_rules(
    path: Annotated[Path | None, typer.Argument(help="Policy file (default: demo).")] = None,
    lang: Annotated[str, typer.Option(help="es or en.")] = "en",
) -> None:
    """List every rule the policy enforces, with its category and action."""
    from hashtags.review.detector import localize
    from hashtags.review.engine import Engine

    engine = Engine(_policy(path))
    table = Table("Rule", "Category", "Action", "Title")
    for rule, action in sorted(engine.effective_rules(), key=lambda e: e[0].id):
        table.add_row(rule.id, str(rule.category), action, localize(rule.title, lang))
    out.print(table)


# --- demo --------------------------------------------------------------------------------


@app.command("demo-review")
def demo_review() -> None:
    """Review the demo company's posts against its policy and print the verdicts."""
    from hashtags.review.engine import Engine
    from hashtags.review.service import demo_policy

    policy = demo_policy()
    engine = Engine(policy)
    posts = (resources.files("hashtags.demo") / "posts.jsonl").read_text("utf-8").splitlines()
    out.print(
        f"[bold]HASHTAGS[/] · {escape(policy.organization.name)} policy v{policy.version} · "
        f"{len(posts)} demo posts\n"
    )
    table = Table(expand=True, show_lines=True)
    table.add_column("#", no_wrap=True)
    table.add_column("Account", no_wrap=True)
    table.add_column("Post", ratio=3)
    table.add_column("Verdict", no_wrap=True)
    table.add_column("Findings", ratio=2)
    counts: dict[str, int] = {}
    for line in posts:
        item = json.loads(line)
        ctx = Context(account=item.get("account", "brand"), author=item.get("author"))
        result = engine.review(item["text"], ctx)
        counts[str(result.verdict)] = counts.get(str(result.verdict), 0) + 1
        findings = Text()
        for f in result.findings:
            findings.append(f"{f.rule}", _SEVERITY_STYLE.get(str(f.severity), ""))
            findings.append(f" «{f.snippet}»\n" if f.snippet else "\n")
        table.add_row(
            str(item["id"]),
            ctx.account,
            highlighted(item["text"], result),
            Text(str(result.verdict).upper(), _VERDICT_STYLE[result.verdict]),
            findings,
        )
    out.print(table)
    out.print(" · ".join(f"{v}: {counts.get(v, 0)}" for v in ("allow", "warn", "review", "block")))


# --- trained models (train, eval, replies) -------------------------------------------------
from hashtags.models.cli import register as _register_models  # noqa: E402

_register_models(app)

# --- the service (serve, worker, db, audit, demo) -------------------------------------------
from hashtags.platform_cli import register as _register_platform  # noqa: E402

_register_platform(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
