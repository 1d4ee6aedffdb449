"""Throughput and latency of ``POST /api/v1/review`` under a fixed request rate.

Starts ``hashtags serve`` (uvicorn, N workers) as a subprocess on 127.0.0.1 with a scratch
database, creates an API token, then drives an *open-loop* load from this process: request i
is due at ``start + i / rate`` whether or not earlier ones have answered, and its latency is
measured from that due time (so a slow server cannot hide its queueing: no coordinated
omission). The client is a minimal HTTP/1.1 keep-alive client on asyncio streams, so that the
load generator costs as little CPU as possible on the same machine.

    .venv/bin/python bench/api_bench.py                      # 500, 1000, 1500 req/s, 2 workers
    .venv/bin/python bench/api_bench.py --rates 800,1200 --workers 3 --seconds 15

Only 127.0.0.1 is ever contacted; every run is bounded in requests and in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

HOST = "127.0.0.1"
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit): ")
IDLE_SECONDS = 3.0
"""Idle connections older than this are not reused: uvicorn closes them after 5 s."""
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


# --- set-up --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def _database(postgres: str | None, scratch: Path) -> Iterator[str]:
    """The URL the server will use: a SQLite file, or a scratch schema on ``postgres``."""
    if postgres is None:
        yield f"sqlite:///{scratch / 'bench.sqlite3'}"
        return
    from sqlalchemy import text

    from hashtags.storage.db import make_engine

    schema = f"bench_{secrets.token_hex(6)}"
    admin = make_engine(postgres)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in postgres else "?"
    try:
        yield f"{postgres}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _prepare_database(url: str) -> str:
    """Migrate ``url`` and create a bench user with a review-only token; returns the token."""
    from hashtags.people import service
    from hashtags.people.permissions import Permission, Role
    from hashtags.storage import migrate
    from hashtags.storage.db import make_engine, make_sessionmaker, transaction

    engine = make_engine(url)
    migrate.upgrade(engine)
    with transaction(make_sessionmaker(engine)) as session:
        email = f"bench-{secrets.token_hex(4)}@cafeterra.es"
        password = "Bench-" + secrets.token_urlsafe(12) + "1a"
        user = service.create_user(
            session, email=email, name="Bench", role=Role.PR, password=password, actor="bench"
        )
        owner = service.Actor(user.id, email, Role.PR, "session")
        raw, _ = service.create_token(
            session, owner=owner, name="api-bench", scopes=[Permission.REVIEW_TEXT.value]
        )
    engine.dispose()
    return raw


def _start_server(url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    hashtags = Path(sys.executable).with_name("hashtags")
    env = {**os.environ, "HASHTAGS_DATABASE_URL": url, "HASHTAGS_ENV": "development"}
    command = [str(hashtags), "serve", "--host", HOST, "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning"]
    with log.open("wb") as sink:
        return subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)


def _wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer on {HOST}:{port} within {timeout:.0f} s")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _cpu_seconds(pid: int) -> float:
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / ticks


def _wait_until_workers_idle(server_pid: int, workers: int, timeout: float = 120.0) -> None:
    """Wait until every worker process has started and gone idle: each one builds and warms
    up its app before it accepts connections (``hashtags.api.server``), and the first one to
    answer ``/healthz`` says nothing of the others. Load sent while one still warms up would
    measure fewer workers than asked for. (Linux /proc; elsewhere this returns at once.)"""
    if not Path(f"/proc/{server_pid}").exists():
        return
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        pids = _children(server_pid) if workers > 1 else [server_pid]
        before = {pid: _cpu_seconds(pid) for pid in pids}
        time.sleep(0.5)
        busy = [pid for pid in pids if _cpu_seconds(pid) - before[pid] > 0.05]
        quiet = quiet + 1 if len(pids) >= workers and not busy else 0
        if quiet >= 2:
            return
    raise SystemExit(f"the server's workers did not settle within {timeout:.0f} s")


def _bodies() -> list[bytes]:
    """The demo posts (every verdict, Spanish and English), as request bodies."""
    lines = (resources.files("hashtags.demo") / "posts.jsonl").read_text("utf-8").splitlines()
    return [
        json.dumps({"text": item["text"], "account": item["account"]}).encode()
        for item in map(json.loads, lines)
    ]


# --- the load ------------------------------------------------------------------------------


@dataclass
class Result:
    rate: int
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    first_due: float = 0.0
    last_done: float = 0.0
    connections: int = 0
    wall: float = 0.0
    """Seconds from the first due time to the end of the phase (answers or time-out)."""
    client_cpu: float = 0.0
    server_cpu: float = 0.0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class Client:
    """HTTP/1.1 keep-alive connections to the server; one request at a time per connection."""

    def __init__(self, port: int, token: str, max_connections: int) -> None:
        self.port = port
        self.head = (
            f"POST /api/v1/review HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        ).encode()
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.opened = 0
        self.max_connections = max_connections
        self.slots = asyncio.Semaphore(max_connections)

    async def review(self, body: bytes) -> int:
        async with self.slots:
            now = time.monotonic()
            while self.idle and now - self.idle[-1][2] > IDLE_SECONDS:
                self.idle.pop()[1].close()  # the server may be closing it right now
            if self.idle:
                reader, writer, _ = self.idle.pop()
            else:
                reader, writer = await asyncio.open_connection(HOST, self.port)
                self.opened += 1
            try:
                writer.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
                head = await reader.readuntil(b"\r\n\r\n")
                match = CONTENT_LENGTH.search(head)
                await reader.readexactly(int(match.group(1)) if match else 0)
            except BaseException:
                writer.close()
                raise
            self.idle.append((reader, writer, time.monotonic()))
            return int(head[9:12])

    def close(self) -> None:
        for _, writer, _ in self.idle:
            writer.close()
        self.idle.clear()


async def _drive(
    client: Client, bodies: list[bytes], rate: int, seconds: float, timeout: float
) -> Result:
    """Send ``rate * seconds`` requests at fixed due times; wait at most ``timeout`` more."""
    result = Result(rate=rate)
    opened_before = client.opened
    total = int(rate * seconds)
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    result.first_due = start
    tasks: list[asyncio.Task[None]] = []

    async def one(i: int, due: float) -> None:
        try:
            status = await client.review(bodies[i % len(bodies)])
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            result.error(type(exc).__name__)
            return
        done = loop.time()
        result.last_done = max(result.last_done, done)
        if status != 200:
            result.error(f"HTTP {status}")
        else:
            result.latencies.append(done - due)

    sent = 0
    while sent < total:
        now = loop.time()
        due_now = min(total, int((now - start) * rate) + 1) if now >= start else 0
        while sent < due_now:
            due = start + sent / rate
            tasks.append(asyncio.create_task(one(sent, due)))
            sent += 1
        await asyncio.sleep(max(0.0, start + sent / rate - loop.time()))
    result.sent = sent
    _, pending = await asyncio.wait(tasks, timeout=timeout) if tasks else (set(), set())
    result.wall = loop.time() - start
    for task in pending:
        task.cancel()
        result.error("timeout")
    result.connections = client.opened - opened_before
    return result


def _tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its children (Linux /proc; 0 elsewhere)."""
    return sum(_cpu_seconds(one) for one in [pid, *_children(pid)])


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _report(result: Result) -> dict[str, object]:
    completed = len(result.latencies)
    elapsed = max(result.last_done - result.first_due, 1e-9) if completed else float("inf")
    return {
        "target req/s": result.rate,
        "sent": result.sent,
        "ok": completed,
        "achieved req/s": round(completed / elapsed),
        "p50 ms": round(_percentile(result.latencies, 0.50) * 1000, 1),
        "p99 ms": round(_percentile(result.latencies, 0.99) * 1000, 1),
        "max ms": round(max(result.latencies, default=float("nan")) * 1000, 1),
        "mean ms": round(statistics.fmean(result.latencies) * 1000, 1) if completed else "-",
        "errors": sum(result.errors.values()),
        "error kinds": ", ".join(f"{k}: {v}" for k, v in result.errors.items()) or "-",
        "connections": result.connections,
        "load CPU %": round(100 * result.client_cpu / max(result.wall, 1e-9)),
        "server CPU %": round(100 * result.server_cpu / max(result.wall, 1e-9)),
    }


async def _run(
    args: argparse.Namespace, port: int, token: str, server_pid: int
) -> list[dict[str, object]]:
    bodies = _bodies()
    rows: list[dict[str, object]] = []
    client = Client(port, token, args.connections)
    # Warm-up: every worker compiles the policy engine on its first review.
    await _drive(client, bodies, rate=200, seconds=2.0, timeout=30)
    client.close()  # idle keep-alive connections expire on the server between phases
    for rate in args.rates:
        cpu, server_cpu = time.process_time(), _tree_cpu_seconds(server_pid)
        result = await _drive(client, bodies, rate, args.seconds, timeout=args.seconds + 20)
        result.client_cpu = time.process_time() - cpu
        result.server_cpu = _tree_cpu_seconds(server_pid) - server_cpu
        row = _report(result)
        rows.append(row)
        print(
            f"{rate:>6} req/s target: achieved {row['achieved req/s']:>5} req/s, "
            f"p50 {row['p50 ms']} ms, p99 {row['p99 ms']} ms, max {row['max ms']} ms, "
            f"errors {row['errors']} ({row['error kinds']}), "
            f"{row['connections']} connections opened; "
            f"CPU: server {row['server CPU %']}%, load {row['load CPU %']}%",
            flush=True,
        )
        client.close()
        await asyncio.sleep(args.pause)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="500,1000,1500", help="Comma-separated req/s.")
    parser.add_argument("--seconds", type=float, default=10.0, help="Per rate (max 120).")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes.")
    parser.add_argument("--connections", type=int, default=128, help="Most open at once.")
    parser.add_argument("--pause", type=float, default=2.0, help="Seconds between rates.")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=None,
        help="A PostgreSQL server (postgresql+psycopg://...): the bench works in a scratch "
        "schema there, dropped after. Default: a scratch SQLite file.",
    )
    parser.add_argument("--json", type=Path, default=None, help="Also write the rows here.")
    args = parser.parse_args()
    args.rates = [int(r) for r in args.rates.split(",") if r.strip()]
    if not args.rates or min(args.rates) < 1 or max(args.rates) > 20_000:
        parser.error("--rates: give rates between 1 and 20000 req/s")
    if not 0 < args.seconds <= 120:
        parser.error("--seconds: between 0 and 120")

    with (
        tempfile.TemporaryDirectory(prefix="hashtags-bench-") as scratch,
        _database(args.postgres, Path(scratch)) as url,
    ):
        token = _prepare_database(url)
        port = _free_port()
        log = Path(scratch) / "server.log"
        server = _start_server(url, port, args.workers, log)
        try:
            _wait_until_up(port, server)
            _wait_until_workers_idle(server.pid, args.workers)
            print(
                f"server: hashtags serve --workers {args.workers} on {HOST}:{port}, "
                f"{'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}; "
                f"{os.cpu_count()} CPUs; {args.seconds:g} s per rate; open-loop load",
                flush=True,
            )
            rows = asyncio.run(_run(args, port, token, server.pid))
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
            # The exceptions behind "Exception in ASGI application", counted by message.
            problems: dict[str, int] = {}
            for line in log.read_text("utf-8", "replace").splitlines():
                if EXCEPTION_LINE.match(line):
                    problems[line[:200]] = problems.get(line[:200], 0) + 1
            for line, times in problems.items():
                print(f"server log: {times} x {line}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
