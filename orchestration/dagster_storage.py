"""Dagster's SQLite storage, its event log keeping its connections open (dagster.yaml
`storage: custom:`).

Dagster's own `SqliteEventLogStorage` makes a new SQLAlchemy engine and SQLite connection for
every read and write of an event and closes it afterwards; closing the last connection to a WAL
database checkpoints it. A run of this project writes some 1,300 events (a planned event per dbt
model and test when the run is created, then their materializations and check results), so a run
spent about 20 s of its time opening and closing SQLite files. Here each database file (the run's
own and the index) keeps one connection while it is in use, under the lock the storage already
takes for every connection, so nothing else changes: the same files, the same schema and
migrations, the same watching of a run's events by the UI.

Only the most recently used databases keep a connection (`KEEP_OPEN`), so that a webserver or
daemon that lives through many runs does not hold a file open for each.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

KEEP_OPEN = 4


class SqliteEventLogStorageKeepingConnections(SqliteEventLogStorage):
    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):  # noqa: D102 - Dagster's configurable class
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                # one connection per file, used by one thread at a time (under self._db_lock)
                poolclass=StaticPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
        self._engines[shard] = engine  # most recently used last
        while len(self._engines) > KEEP_OPEN:
            _, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                _, engine = self._engines.popitem()
                engine.dispose()

    def wipe(self) -> None:
        self._dispose_engines()  # the run files are deleted
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()


class SqliteStorageKeepingConnections(DagsterSqliteStorage):
    """Dagster's SQLite storage (`storage: sqlite:` in dagster.yaml: the same folders and files)
    with the event log above."""

    def __init__(self, base_dir: str, inst_data=None):
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = SqliteEventLogStorageKeepingConnections(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value):  # noqa: D102 - Dagster's configurable class
        return cls.from_local(inst_data=inst_data, **config_value)
