"""The service's commands: ``serve``, ``worker``, ``db upgrade``, ``audit verify|export``, ``demo``.

Thin, like the rest of the CLI: each reads the settings (``HASHTAGS_*``), opens the configured
database and calls a service. Heavy imports happen inside the commands so that ``hashtags
check`` stays quick to start. ``register(app)`` mounts them on the main ``hashtags`` command.
"""

from __future__ import annotations

import secrets
import string
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from hashtags.settings import Settings

EXIT_OK, EXIT_BROKEN, EXIT_INVALID = 0, 1, 4

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

db_app = typer.Typer(help="The service's database.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


def _fail(message: str, code: int = EXIT_INVALID) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)


def _settings() -> Settings:
    from pydantic import ValidationError

    from hashtags.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise _fail(f"configuration (HASHTAGS_* variables or .env): {problems}") from None


def _shown_url(url: str) -> str:
    """The database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(the configured HASHTAGS_DATABASE_URL)"


@contextmanager
def _transaction(settings: Settings) -> Iterator[Session]:
    from sqlalchemy.exc import SQLAlchemyError

    from hashtags.storage.db import make_engine, make_sessionmaker, transaction

    try:
        engine = make_engine(settings.database_url)
    except (SQLAlchemyError, ValueError) as exc:
        raise _fail(f"HASHTAGS_DATABASE_URL: {exc}") from None
    try:
        with transaction(make_sessionmaker(engine)) as session:
            yield session
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise _fail(
            f"database {_shown_url(settings.database_url)}: {reason} "
            "(is it reachable, and has `hashtags db upgrade` been run?)"
        ) from None
    finally:
        engine.dispose()


def _upgrade(settings: Settings) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from hashtags.storage import migrate
    from hashtags.storage.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        migrate.upgrade(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise _fail(f"database {_shown_url(settings.database_url)}: {reason}") from None
    finally:
        engine.dispose()


# --- serve and worker ----------------------------------------------------------------------


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the web service (API under /api/v1, docs at /docs) with uvicorn."""
    import uvicorn

    settings = _settings()  # refuse a bad configuration before starting any process
    err.print(
        f"HASHTAGS on http://{host}:{port}  ·  database {_shown_url(settings.database_url)}"
        f"  ·  {workers} worker{'s' if workers > 1 else ''}"
    )
    uvicorn.run(
        # Each worker process builds the app and warms it up (engine, gc.freeze) before
        # it accepts connections: see hashtags.api.server.
        "hashtags.api.server:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=log_level == "debug",
    )


def worker() -> None:
    """Run the publishing worker: scheduled posts go out, expired approvals escalate."""
    settings = _settings()
    from importlib import import_module

    try:
        # Imported by name: the publishing domain may be absent from a partial installation.
        run_worker = import_module("hashtags.publishing.worker").run_worker
    except (ImportError, AttributeError) as exc:
        raise _fail(
            f"the publishing worker is not available in this installation ({exc}); "
            "hashtags.publishing.worker.run_worker is needed"
        ) from None
    err.print(f"worker started  ·  database {_shown_url(settings.database_url)}  ·  Ctrl-C stops")
    try:
        run_worker(settings)
    except KeyboardInterrupt:
        err.print("worker stopped")


# --- db ------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database's tables to the latest revision (Alembic)."""
    settings = _settings()
    _upgrade(settings)
    out.print(f"[green]✓[/] database {escape(_shown_url(settings.database_url))} is up to date")


# --- audit ---------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the whole hash chain. Exit 0: intact; 1: broken (each break is listed)."""
    from hashtags.audit.service import verify

    with _transaction(_settings()) as session:
        result = verify(session)
    if result.ok:
        out.print(f"[green]✓[/] audit log intact: {result.events:,} events")
        raise typer.Exit(EXIT_OK)
    err.print(f"[bold red]✖ audit log broken[/] ({result.events:,} events read):")
    for problem in result.problems:
        err.print(f"  - {escape(str(problem))}", soft_wrap=True)
    raise typer.Exit(EXIT_BROKEN)


@audit_app.command("export")
def audit_export(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="jsonl or csv.", case_sensitive=False)
    ] = "jsonl",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """The whole audit log in chain order, for regulators and archives."""
    from hashtags.audit.service import export

    fmt = fmt.lower()
    if fmt not in ("jsonl", "csv"):
        raise _fail(f"--format: {fmt!r} is not one of jsonl, csv", 2)
    try:
        sink = sys.stdout if output is None else output.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise _fail(f"{output}: {exc.strerror}") from None
    lines = 0
    try:
        with _transaction(_settings()) as session:
            for chunk in export(session, fmt):
                sink.write(chunk)
                lines += 1
    finally:
        if output is not None:
            sink.close()
    if output is not None:
        what = "events" if fmt == "jsonl" else "rows (header included)"
        err.print(f"Wrote {output}: {lines:,} {what}")


# --- demo ----------------------------------------------------------------------------------


def _random_password() -> str:
    alphabet = string.ascii_letters + string.digits
    while True:
        word = "".join(secrets.choice(alphabet) for _ in range(14))
        if any(c.isdigit() for c in word) and word.lower() != word and word.upper() != word:
            return word


def demo(
    password: Annotated[
        str | None,
        typer.Option(help="Everyone's password (default: a random one, printed once)."),
    ] = None,
    if_absent: Annotated[
        bool, typer.Option("--if-absent", help="Do nothing (exit 0) when the demo is there.")
    ] = False,
) -> None:
    """Fill the configured database with the demo workspace: Caféterra's people in every role,
    brand accounts on the sandbox network, and posts in every state."""
    from hashtags.demo.workspace import DEMO_PEOPLE, create_demo_workspace, demo_exists
    from hashtags.errors import DomainError
    from hashtags.review.service import demo_policy

    settings = _settings()
    _upgrade(settings)
    chosen = password or _random_password()
    with _transaction(settings) as session:
        if demo_exists(session):
            if if_absent:
                out.print("The demo workspace is already in this database: nothing changed.")
                print_logins([(p.email, p.role.value, p.name) for p in DEMO_PEOPLE], None)
                raise typer.Exit(EXIT_OK)
            raise _fail(
                f"the demo workspace is already in {_shown_url(settings.database_url)}; "
                "use an empty database (or --if-absent to accept it as it is)"
            )
        try:
            workspace = create_demo_workspace(
                session, password=chosen, policy=demo_policy(), settings=settings
            )
        except DomainError as exc:
            raise _fail(f"--password: {exc}" if "password" in str(exc) else str(exc)) from None
    out.print(f"[green]✓[/] demo workspace created in {escape(_shown_url(settings.database_url))}")
    out.print(
        "  posts: " + ", ".join(f"{count} {status}" for status, count in workspace.posts.items())
    )
    out.print(
        f"  {workspace.pending_approvals} approval requests waiting in the approvers' queues; "
        f"{workspace.published} publications on the sandbox network"
    )
    out.print(f"  finding categories: {', '.join(workspace.categories)}")
    out.print(f"  accounts (sandbox): {', '.join(workspace.accounts)}")
    print_logins([(p.email, p.role.value, p.name) for p in workspace.people], chosen)


def print_logins(people: list[tuple[str, str, str]], password: str | None) -> None:
    """The demo sign-ins as a table; the password once below it."""
    table = Table("E-mail", "Role", "Name", title="Demo sign-ins")
    for email, role, name in people:
        table.add_row(email, role, name)
    out.print(table)
    if password:
        out.print(f"Password for everyone: [bold]{escape(password)}[/]")


def register(app: typer.Typer) -> None:
    """Mount the service's commands on the main ``hashtags`` command."""
    app.command("serve")(serve)
    app.command("worker")(worker)
    app.command("demo")(demo)
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
