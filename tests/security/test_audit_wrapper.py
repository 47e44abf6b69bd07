"""`make audit` (tests/audit.py): a pip-audit that checked nothing is never a pass.

pip-audit itself is not run here (it needs the network); these feed the wrapper
the outputs pip-audit 2.10 gives, as recorded on a machine without access to
its database, and on one with a vulnerable package.
"""

from __future__ import annotations

import subprocess

import pytest

from tests import audit

UNREACHABLE_PYPI = (
    "",
    "ERROR:pip_audit._cli:aiosmtpd: Dependency not found on PyPI and could not be audited: "
    "aiosmtpd (1.4.6)\n",
)
UNREACHABLE_OSV = (
    "",
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443): "
    "Max retries exceeded with url: /v1/query (Caused by NameResolutionError(...))\n",
)
VULNERABLE = (
    "Name  Version ID             Fix Versions\n----- ------- -------------- ------------\n"
    "jinja2 3.1.2 GHSA-h5c8-rqwp-cp95 3.1.3\n",
    "Found 1 known vulnerability in 1 package\n",
)
CLEAN = ("No known vulnerabilities found\n", "")


@pytest.mark.parametrize(
    ("outputs", "code", "said"),
    [
        (CLEAN, 0, "no known vulnerabilities"),
        (VULNERABLE, 1, "found known vulnerabilities"),
        (UNREACHABLE_PYPI, 2, "AUDIT NOT DONE"),
        (UNREACHABLE_OSV, 2, "AUDIT NOT DONE"),
    ],
    ids=["clean", "vulnerable", "pypi unreachable", "osv unreachable"],
)
def test_the_wrapper_tells_a_check_from_no_check(monkeypatch, capsys, outputs, code, said):
    stdout, stderr = outputs
    seen = []

    def fake_run(command, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(command)
        return subprocess.CompletedProcess(command, 0 if code == 0 else 1, stdout, stderr)

    monkeypatch.setattr(subprocess, "run", fake_run)

    assert audit.main([]) == code
    assert "--strict" in seen[0]
    captured = capsys.readouterr()
    assert said in captured.out + captured.err
