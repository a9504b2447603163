"""The console as an installed package serves it: `pip install` (not editable) into a fresh venv,
then that venv's `commerce serve --demo`, run from an empty directory with no Node on its PATH.

The venv sees this interpreter's installed dependencies (a .pth line naming its site-packages:
`--system-site-packages` alone would reach the base interpreter's, not this venv's), so nothing
but the build backend is fetched. The project is installed from a copy of the working tree, which
is then deleted: the server can only read what the install put into site-packages.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET
from tests.support.console import crawl
from tests.support.live import live_server

REPO = Path(__file__).resolve().parents[2]
HTML = {"Accept": "text/html"}
# What a source tree holds that is not source: local environments, caches, builds, databases.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "venv", "node_modules", "build", "dist", "*.egg-info",
                                    "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "*.db",
                                    "*.db-wal", "*.db-shm", "results")
MARK = b"<!-- served from the installed package -->\n"


def run(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(a) for a in args], check=False, cwd=cwd, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, f"{args}: {done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done.stdout


def without_node(path: str) -> str:
    return os.pathsep.join(d for d in path.split(os.pathsep) if d and not (Path(d) / "node").exists())


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the project pip-installed from a (since deleted) copy of the working tree."""
    root = tmp_path_factory.mktemp("install")
    venv = root / "venv"
    run(sys.executable, "-m", "venv", "--system-site-packages", venv, cwd=root)
    python = venv / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=root).strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_test_dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(ours)))
    # setuptools 70.1+ builds wheels by itself (older ones need the separate `wheel` package).
    run(python, "-m", "pip", "install", "-q", "setuptools>=70.1", cwd=root)
    source = root / "source"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE)
    run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", source, cwd=root)
    shutil.rmtree(source)
    return venv


def test_the_install_holds_the_build_and_imports_from_site_packages(installed: Path, tmp_path: Path) -> None:
    python = installed / "bin" / "python"
    static = Path(run(python, "-c", "import app.console; print(app.console.STATIC_DIR)", cwd=tmp_path).strip())
    assert static.is_relative_to(installed), static
    built = REPO / "app" / "console" / "static"
    for page in ("index.html", "graphiql.html"):
        assert (static / page).read_bytes().removesuffix(MARK) == (built / page).read_bytes()
    assert sorted(p.name for p in (static / "assets").iterdir()) == sorted(p.name for p in (built / "assets").iterdir())


@pytest.mark.timeout(600)
async def test_the_installed_server_serves_the_console_and_graphiql(installed: Path, tmp_path: Path) -> None:
    python = installed / "bin" / "python"
    static = Path(run(python, "-c", "import app.console; print(app.console.STATIC_DIR)", cwd=tmp_path).strip())
    index = static / "index.html"
    if not index.read_bytes().endswith(MARK):  # the served page must be this file, not the repository's
        index.write_bytes(index.read_bytes() + MARK)
    path = f"{installed / 'bin'}{os.pathsep}{without_node(os.environ.get('PATH', ''))}"
    assert shutil.which("node", path=path) is None
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    env = {"PATH": path, "PYTHONPATH": ""}
    async with live_server(f"sqlite+aiosqlite:///{tmp_path / 'commerce.db'}", TEST_SECRET, extra_env=env,
                           command=[str(installed / "bin" / "commerce"), "serve", "--demo", "--products", "5"],
                           cwd=run_dir, startup_timeout=180, output_dir=tmp_path) as server:
        console = await server.http.get("/console/", headers=HTML)
        assert console.status_code == 200
        assert console.content == index.read_bytes()
        assert console.content.endswith(MARK)
        deep = await server.http.get("/console/orders/RWNvbW1lcmNlT3JkZXI6MQ==", headers=HTML)
        assert deep.status_code == 200 and deep.content == console.content
        assert "script-src 'self'" in deep.headers["content-security-policy"]
        graphiql = await server.http.get("/graphql", headers=HTML)
        assert graphiql.status_code == 200
        assert graphiql.content == (static / "graphiql.html").read_bytes()
        found = await crawl(server.http, {"/console/": HTML, "/console/exceptions": HTML, "/graphql": HTML})
        assert not found.failed, found.failed
        assert not found.external, found.external
        assets = [p for p in found.bodies if p.startswith("/console/assets/")]
        assert assets
        for asset in assets:
            assert found.bodies[asset] == (static / "assets" / asset.rsplit("/", 1)[1]).read_bytes()
        assert (await server.gql("{ __typename }")) == {"__typename": "Query"}
        products = await server.gql("{ products(first: 1) { edges { node { id } } } }")
        assert products["products"]["edges"], "the demo store was not seeded"
    assert sorted(p.name for p in run_dir.iterdir()) == []  # the process wrote nothing where it ran
