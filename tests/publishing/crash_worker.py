"""A worker process for the crash test: ``python -m tests.publishing.crash_worker URL``.

Short lease and a slow sandbox, so that a kill lands in mid-publication and the next
worker takes the job over within a second.
"""

from __future__ import annotations

import logging
import sys

from hashtags.publishing.worker import WorkerOptions, run_worker
from hashtags.settings import Settings

LEASE_SECONDS = 1.0
SANDBOX_DELAY_SECONDS = 0.15


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(message)s")
    settings = Settings(env="test", database_url=sys.argv[1], worker_poll_seconds=0.05)
    options = WorkerOptions(
        batch_size=2,
        lease_seconds=LEASE_SECONDS,
        sandbox_delay_seconds=SANDBOX_DELAY_SECONDS,
        maintenance_seconds=None,
    )
    run_worker(settings, options=options)


if __name__ == "__main__":
    main()
