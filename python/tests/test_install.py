# The documented install without network: a venv over Debian's Python packages, then
# `pip install --no-build-isolation --no-deps --no-index ./python`; the installed package
# decides a case. The module is built in the build tree the tests run from (COVCHECK_BUILD_DIR).
import os
import subprocess
import sys

from conftest import ROOT


def test_pip_install_into_a_venv_without_network(tmp_path):
    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the installed package, not the build tree's
    env["PIP_NO_INDEX"] = "1"
    p = subprocess.run([str(python), "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index",
                        str(ROOT / "python")], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    code = ("import covcheck, pathlib, sys; rs = covcheck.RuleSet.load(sys.argv[1]); "
            "print(covcheck.__file__); print(rs.check(pathlib.Path(sys.argv[2])).decision.value)")
    p = subprocess.run([str(python), "-c", code, str(ROOT / "rules/acme"), str(ROOT / "rules/acme/cases/esk-age-17.yaml")],
                       cwd=tmp_path, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    where, decision = p.stdout.split()
    assert str(env_dir) in where
    assert decision in ("covered", "pend", "denied", "excluded")
