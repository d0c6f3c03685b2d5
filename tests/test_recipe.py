"""The README's "Add it to your project", pasted into a new project as a newcomer would.

A wheel of this checkout goes into a new virtual environment (its dependencies
pinned to the versions installed here, so that pip finds them at hand), then
``django-admin startproject mysite`` gets the README's marked blocks as they
are: settings, view, URLs, then the shell steps under bash, with curl calling
the view. Every status the README's comments promise (401 / 200 / 403 with an
API key and with a JWT) must come back, in order.

It takes about half a minute: ``M2M_SKIP_RECIPE=1`` skips it, and .ci/run runs
it in one of its passes only.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .readme import block
from .servers import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
README_ADDRESS = "127.0.0.1:8000"

if shutil.which("curl") is None and os.environ.get("M2M_REQUIRE_CURL"):
    raise RuntimeError("M2M_REQUIRE_CURL is set but curl is not installed")

pytestmark = [
    pytest.mark.skipif(os.environ.get("M2M_SKIP_RECIPE") == "1", reason="M2M_SKIP_RECIPE=1"),
    pytest.mark.skipif(shutil.which("curl") is None, reason="the recipe calls its view with curl, not installed"),
]


def run(command: list[str], cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def installed_versions(path: Path) -> Path:
    """Constraints pinning what this environment holds, so that pip resolves from its cache."""
    pins = {d.metadata["Name"].lower(): d.version for d in importlib.metadata.distributions()}
    pins.pop("m2m-auth", None)
    path.write_text("".join(f"{name}=={version}\n" for name, version in sorted(pins.items())))
    return path


def newcomer_environment(venv: Path) -> dict[str, str]:
    """This shell's environment without the test settings, the test databases or our virtual environment."""
    dropped = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
    env = {name: value for name, value in os.environ.items() if name not in dropped}
    return {**env, "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    work = tmp_path_factory.mktemp("recipe")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(work / "wheel"), str(ROOT)], work)
    (wheel,) = (work / "wheel").glob("m2m_auth-*.whl")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], work)  # our pip installs into it: faster
    constraints = installed_versions(work / "constraints.txt")
    run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet", "--no-compile",
         "-c", str(constraints), str(wheel)], work)
    env = newcomer_environment(venv)
    run(["django-admin", "startproject", "mysite"], work, env)
    return work / "mysite", env


def paste_code(site: Path) -> None:
    package = site / "mysite"
    with (package / "settings.py").open("a") as settings:
        settings.write("\n" + block("recipe:settings"))
    (package / "views.py").write_text(block("recipe:view"))
    with (package / "urls.py").open("a") as urls:
        urls.write("\n" + block("recipe:urls"))


@pytest.fixture(scope="module")
def served(project):
    site, env = project
    paste_code(site)
    run(["bash", "-euo", "pipefail", "-c", block("recipe:migrate")], site, env)
    port = free_port()
    log = (site / "server.log").open("w")
    server = subprocess.Popen(["python", "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=site, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/api/reports/")
        yield site, env, port
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_the_readme_recipe_gives_401_200_403_with_a_key_and_with_a_jwt(served):
    site, env, port = served
    calls = block("recipe:call")
    script = "\n".join([block("recipe:provision"), "echo '-- calls --'", calls.replace(README_ADDRESS, f"127.0.0.1:{port}")])
    output = run(["bash", "-euo", "pipefail", "-c", script], site, env).split("-- calls --\n", 1)[1]
    promised = re.findall(r"# (\d{3})$", calls, re.M)
    answered = re.findall(r" (\d{3})$", output, re.M)
    server_log = (site / "server.log").read_text()
    assert promised == ["401", "200", "403", "200", "403"]
    assert answered == promised, f"curl printed:\n{output}\nthe server logged:\n{server_log}"
    assert '"required_scopes":["reports:write"]' in output
