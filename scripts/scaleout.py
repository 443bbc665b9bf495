#!/usr/bin/env python3
"""The scale-out shape on one machine, started and stopped with one command.

    .venv/bin/python scripts/scaleout.py start    # prints the URL when it answers
    .venv/bin/python scripts/scaleout.py status [--json]
    .venv/bin/python scripts/scaleout.py env      # `export …` lines to run backstride against it
    .venv/bin/python scripts/scaleout.py stop

What runs, all on loopback, each in its own process group, logs and pid files in the run
folder (default ``var/scaleout``):

- PostgreSQL: the database ``backstride_scale`` on the server at 127.0.0.1:5432 (created,
  migrated and given the demo articles and episodes on the first start);
- a private ``redis-server`` (no persistence): the RQ task queue and the shared cache;
- moto's S3 server with the bucket ``backstride``: every uploaded file;
- two app servers (``backstride serve``, gunicorn) on two ports;
- ``haproxy`` in front of them: round robin, a health check every second, and a request that
  could not reach one app server is sent to the other (only connection failures are retried,
  so a write is never sent twice);
- two task workers (``backstride worker`` with RQ, one of them running the scheduler at a
  time).

docs/deploy.md shows the same shape as systemd units and a Procfile.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BUCKET = "backstride"
PG = "postgres://postgres@127.0.0.1:5432"


#: The shapes this script starts. ``scaleout`` is the one above; ``single`` and ``postgres``
#: are the default install (SQLite, the database task queue, media on disk) and the same on
#: PostgreSQL: one app server and one worker behind the same TLS proxy, for comparison.
KINDS = ("scaleout", "single", "postgres")


class Shape:
    """Ports, folders and the environment of one shape."""

    def __init__(self, run_dir: Path, base_port: int, kind: str = "scaleout") -> None:
        self.kind = kind
        self.dir = run_dir
        self.lb_port = base_port
        self.app_ports = (base_port + 1, base_port + 2)
        self.redis_port = base_port + 10
        self.s3_port = base_port + 11

    @property
    def database(self) -> str:
        """One PostgreSQL database per shape (its base port), so shapes can run side by side."""
        return f"backstride_scale_{self.lb_port}"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.lb_port}"

    def secret_key(self) -> str:
        path = self.dir / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(50))
        return path.read_text().strip()

    @property
    def apps(self) -> int:
        return 2 if self.kind == "scaleout" else 1

    @property
    def workers(self) -> int:
        return 2 if self.kind == "scaleout" else 1

    def env(self) -> dict[str, str]:
        """What every process of the shape (and a command run against it) needs."""
        redis = f"redis://127.0.0.1:{self.redis_port}"
        common = {
            # the production settings, even when started from a test run (which sets its own)
            "DJANGO_SETTINGS_MODULE": "backstride.settings",
            "DEBUG": "0",
            "SECRET_KEY": self.secret_key(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # haproxy terminates TLS and overwrites X-Forwarded-Proto (docs/deploy.md).
            "TRUST_X_FORWARDED_PROTO": "1",
            "SITE_URL": self.url,
            "BACKSTRIDE_VAR_DIR": str(self.dir / "var"),
            "MEDIA_ROOT": str(self.dir / "var" / "media"),
            "STATIC_ROOT": str(self.dir / "static"),
            "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
            "WEB_THREADS": os.environ.get("WEB_THREADS", "4"),
            "EMAIL_URL": os.environ.get("EMAIL_URL", "console://"),
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        }
        if self.kind == "single":
            return common | {
                "DATABASE_URL": f"sqlite:///{self.dir / 'var' / 'backstride.sqlite3'}",
                "TASKS_BACKEND": "database",
            }
        if self.kind == "postgres":
            return common | {"DATABASE_URL": f"{PG}/{self.database}", "TASKS_BACKEND": "database"}
        return common | {
            "DATABASE_URL": f"{PG}/{self.database}",
            "TASKS_BACKEND": "rq",
            "REDIS_URL": f"{redis}/0",
            "CACHE_URL": f"{redis}/1",
            "MEDIA_STORAGE": "s3",
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{self.s3_port}",
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "scaleout",
            "S3_SECRET_ACCESS_KEY": "scaleout-secret",
        }

    # --- processes --------------------------------------------------------------------------
    def pid_file(self, name: str) -> Path:
        return self.dir / f"{name}.pid"

    def start_process(self, name: str, argv: list[str], extra: dict[str, str] | None = None) -> int:
        log = open(self.dir / f"{name}.log", "ab")  # noqa: SIM115 — the child keeps it
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**os.environ, **self.env(), **(extra or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid_file(name).write_text(str(proc.pid))
        return proc.pid

    def pids(self) -> dict[str, int | None]:
        out: dict[str, int | None] = {}
        for name in PROCESSES:
            path = self.pid_file(name)
            pid = int(path.read_text()) if path.exists() else None
            out[name] = pid if pid is not None and alive(pid) else None
        return out

    def django(self, code: str, *args: str) -> str:
        """Run Python ``code`` with Django set up against this shape; its last output line."""
        env = {**os.environ, **self.env(), "DJANGO_SETTINGS_MODULE": "backstride.settings"}
        result = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()\n" + code, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(result.stderr[-3000:])
        lines = result.stdout.strip().splitlines()
        return lines[-1] if lines else ""

    def s3(self) -> Any:
        """A boto3 client for the shape's S3 server."""
        import boto3

        env = self.env()
        return boto3.client(
            "s3",
            endpoint_url=env["S3_ENDPOINT_URL"],
            aws_access_key_id=env["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=env["S3_SECRET_ACCESS_KEY"],
            region_name=env["S3_REGION"],
        )

    def restart(self, name: str) -> None:
        """Start one stopped part again (``redis``, ``s3``, ``app1``…, ``worker1``…), as
        `start` did."""
        if name.startswith("app"):
            port = self.app_ports[int(name[3:]) - 1]
            serve = [str(BIN / "backstride"), "serve", "--host", "127.0.0.1", "--port", str(port)]
            self.start_process(name, serve)
            wait_http(f"http://127.0.0.1:{port}/robots.txt")
        elif name.startswith("worker"):
            self.start_process(name, [str(BIN / "backstride"), "worker"])
        elif name == "redis":
            self.start_process("redis", redis_argv(self))
            wait_port(self.redis_port)
        elif name == "s3":
            self.start_process("s3", moto_argv(self))
            wait_port(self.s3_port)
            create_bucket(self)
        else:
            raise ValueError(name)

    def backstride(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "backstride"), *args],
            cwd=ROOT,
            env={**os.environ, **self.env()},
            capture_output=True,
            text=True,
            check=check,
        )


PROCESSES = ("redis", "s3", "app1", "app2", "haproxy", "worker1", "worker2")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie (exited, not yet reaped) is not alive
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        return state != "Z"
    except OSError:
        return True


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing answers on port {port} after {timeout:.0f} s")


def wait_http(url: str, timeout: float = 60.0) -> None:
    """Poll ``url`` until it answers 200 (the shape's own self-signed certificate is
    accepted; an app server is asked as haproxy asks it, as if over HTTPS)."""
    deadline = time.monotonic() + timeout
    last = ""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=2, context=context) as response:  # noqa: S310
                if response.status == 200:
                    return
        except Exception as exc:
            last = str(exc)
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer 200 within {timeout:.0f} s ({last})")


def haproxy_config(shape: Shape) -> str:
    servers = "\n".join(
        f"    server app{i} 127.0.0.1:{port} check inter 1s fall 2 rise 1"
        for i, port in enumerate(shape.app_ports[: shape.apps], 1)
    )
    return f"""global
    maxconn 512
    pidfile {shape.dir / "haproxy.pid.internal"}

defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    timeout queue 30s
    # A killed server refuses the check's connection at once; a busy one answers it late (the
    # check waits behind the requests in its backlog): give it 5 s, or flat-out load marks
    # the only server down and every request gets a 503.
    timeout check 5s
    # A request whose connection failed never reached an app server: send it to the other.
    # Nothing else is retried, so a write that reached a server is never sent twice.
    retries 3
    option redispatch
    retry-on conn-failure

frontend web
    bind 127.0.0.1:{shape.lb_port} ssl crt {shape.dir / "tls.pem"}
    option forwardfor
    http-request set-header X-Forwarded-Proto https
    default_backend apps

backend apps
    balance roundrobin
    option httpchk
    http-check send meth GET uri /robots.txt hdr Host 127.0.0.1 hdr X-Forwarded-Proto https
    http-check expect status 200
{servers}
"""


def make_certificate(pem: Path) -> None:
    """A self-signed certificate for 127.0.0.1 (haproxy wants key and certificate in one)."""
    if pem.exists():
        return
    key, crt = pem.with_suffix(".key"), pem.with_suffix(".crt")
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "365",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(crt),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    pem.write_bytes(crt.read_bytes() + key.read_bytes())
    pem.chmod(0o600)


def create_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def create_bucket(shape: Shape) -> None:
    s3 = shape.s3()
    names = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if BUCKET not in names:
        s3.create_bucket(Bucket=BUCKET)


def start(shape: Shape, *, fresh: bool) -> None:
    for tool in ("haproxy", "redis-server"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: run `python3 scripts/system_deps.py` (as root).")
    if any(shape.pids().values()):
        raise SystemExit(f"already running (see `{Path(__file__).name} status`); stop it first")
    shape.dir.mkdir(parents=True, exist_ok=True)
    (shape.dir / "var").mkdir(exist_ok=True)
    uses_postgres = shape.kind in ("scaleout", "postgres")
    if fresh:
        if uses_postgres:
            drop_database(shape.database)
        (shape.dir / "var" / "backstride.sqlite3").unlink(missing_ok=True)
    if shape.kind == "scaleout":
        start_stores(shape)
    if uses_postgres:
        create_database(shape.database)
    shape.backstride("migrate", "--noinput")
    shape.backstride("collectstatic", "--noinput")
    shape.backstride("demo", "--force")
    for i, port in enumerate(shape.app_ports[: shape.apps], 1):
        serve = [str(BIN / "backstride"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        shape.start_process(f"app{i}", serve)
    for port in shape.app_ports[: shape.apps]:
        wait_http(f"http://127.0.0.1:{port}/robots.txt")
    make_certificate(shape.dir / "tls.pem")
    config = shape.dir / "haproxy.cfg"
    config.write_text(haproxy_config(shape))
    shape.start_process("haproxy", ["haproxy", "-db", "-f", str(config)])
    for i in range(1, shape.workers + 1):
        shape.start_process(f"worker{i}", [str(BIN / "backstride"), "worker"])
    wait_http(shape.url + "/robots.txt")
    wait_http(shape.url + "/healthz")  # 200 once a worker's heartbeat is in
    (shape.dir / "kind").write_text(shape.kind)
    print(f"Backstride {shape.kind} shape: {shape.url}  (run folder {shape.dir})")


def redis_argv(shape: Shape) -> list[str]:
    port = str(shape.redis_port)
    return [
        "redis-server",
        "--port",
        port,
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]


def moto_argv(shape: Shape) -> list[str]:
    return [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(shape.s3_port)]


def start_stores(shape: Shape) -> None:
    """The private Redis and the S3 server of the scale-out shape."""
    shape.start_process("redis", redis_argv(shape))
    shape.start_process("s3", moto_argv(shape))
    wait_port(shape.redis_port)
    wait_port(shape.s3_port)
    create_bucket(shape)


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stop(shape: Shape) -> None:
    """Stop every process of the shape (workers first, so no job is cut short needlessly)."""
    order = ("worker1", "worker2", "haproxy", "app1", "app2", "s3", "redis")
    for name in order:
        path = shape.pid_file(name)
        if not path.exists():
            continue
        pid = int(path.read_text())
        if alive(pid):
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if alive(pid):
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)
        path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "status", "env"])
    parser.add_argument("--run-dir", type=Path, default=ROOT / "var" / "scaleout")
    parser.add_argument("--base-port", type=int, default=8100)
    parser.add_argument(
        "--kind",
        choices=KINDS,
        default="scaleout",
        help="scaleout (default); single: SQLite, one app server and worker; postgres: the same "
        "on PostgreSQL",
    )
    parser.add_argument("--fresh", action="store_true", help="start from an empty database")
    parser.add_argument("--json", action="store_true", help="status as JSON")
    args = parser.parse_args(argv)
    run_dir = args.run_dir.resolve()
    kind_file = run_dir / "kind"
    kind = args.kind
    if args.command != "start" and kind_file.exists():
        kind = kind_file.read_text().strip()  # stop/status/env: the shape that was started
    shape = Shape(run_dir, args.base_port, kind)
    shape.dir.mkdir(parents=True, exist_ok=True)
    if args.command == "start":
        try:
            start(shape, fresh=args.fresh)
        except BaseException:
            stop(shape)
            raise
    elif args.command == "stop":
        stop(shape)
    elif args.command == "env":
        for key, value in shape.env().items():
            print(f"export {key}={value!r}")
    else:
        pids = shape.pids()
        status = {
            "url": shape.url,
            "run_dir": str(shape.dir),
            "app_ports": list(shape.app_ports),
            "redis_port": shape.redis_port,
            "s3_port": shape.s3_port,
            "kind": shape.kind,
            "pids": pids,
        }
        if args.json:
            print(json.dumps(status))
        else:
            for name, pid in pids.items():
                print(f"{name:8} {'running, pid ' + str(pid) if pid else 'stopped'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
