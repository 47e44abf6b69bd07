"""`make audit`: pip-audit --strict over the virtualenv, failing loudly when it checked nothing.

pip-audit asks a vulnerability service (PyPI's JSON API by default) about each
installed package. Where that service cannot be reached it does not fail on its
own: without `--strict` it skips every package it could not look up and still
says "No known vulnerabilities found". `--strict` turns a skipped package into a
failure, but the message ("Dependency not found on PyPI and could not be
audited") reads like a problem with one package. This wrapper runs
`pip-audit --strict` and, when the failure is a lookup that did not happen,
says so plainly and exits 2, so it is never mistaken for a pass.

Exit codes: 0 every package was checked and none has a known vulnerability;
1 known vulnerabilities (pip-audit's report says which); 2 the vulnerability
database could not be reached (nothing was checked). Extra arguments go to
pip-audit (for example `-s osv`).
"""

from __future__ import annotations

import re
import subprocess
import sys

UNREACHABLE = re.compile(
    r"could not be audited|ConnectionError|NameResolution|Max retries exceeded|timed out"
    r"|Temporary failure in name resolution|HTTPError|SSLError|ServiceError",
)
FOUND = re.compile(r"Found \d+ known vulnerabilit")


def main(argv: list[str]) -> int:
    """Run pip-audit and return the exit code described above."""
    command = [
        sys.executable, "-m", "pip_audit", "--strict", "--skip-editable",
        "--progress-spinner", "off", "--desc", *argv,
    ]  # fmt: skip
    print("$", " ".join(command[2:]), flush=True)
    proc = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if proc.returncode == 0:
        print("pip-audit: every installed package was checked; no known vulnerabilities.")
        return 0
    output = proc.stdout + proc.stderr
    if FOUND.search(output):
        print("\npip-audit found known vulnerabilities: see the report above.", file=sys.stderr)
        return 1
    if UNREACHABLE.search(output):
        print(
            "\n" + "=" * 78 + "\n"
            "AUDIT NOT DONE: pip-audit could not look the packages up in its vulnerability\n"
            "database (the first error is above). Usually the database cannot be reached\n"
            "from this machine, and then nothing at all was checked. This is not a pass.\n"
            "Run `make audit` where PyPI's JSON API (https://pypi.org/pypi/<name>/json) is\n"
            "reachable, or add `AUDIT_ARGS='-s osv'` for the OSV database (api.osv.dev).\n"
            + "="
            * 78,
            file=sys.stderr,
        )
        return 2
    print(f"\npip-audit failed (exit {proc.returncode}): see above.", file=sys.stderr)
    return proc.returncode or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
