"""The README stays true: its command table and contents are generated from the parser and the headings, every
make target is documented, and every YAML example in it is valid against the models the build validates with."""

from __future__ import annotations

import re

import pytest
import yaml

from reportsite.cli import reference
from reportsite.cli.main import parser
from reportsite.config.models import ReportConfig
from reportsite.config.site_models import SiteConfig
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
YAML_BLOCKS = [b for b in re.findall(r"```yaml\n(.*?)```", README, re.S) if yaml.safe_load(b) is not None]


def test_the_command_table_and_the_contents_are_up_to_date() -> None:
    # after changing a command's options or a heading: python -m reportsite.cli.reference --write
    assert reference.updated(README) == README


def test_every_command_and_option_is_in_the_readme() -> None:
    table = README.split(reference.CLI_MARKERS[0])[1].split(reference.CLI_MARKERS[1])[0]
    sub = next(a for a in parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, command in sub.choices.items():  # type: ignore[union-attr]
        assert f"`reportsite {name}`" in table
        for action in command._actions:
            for option in action.option_strings:
                if option.startswith("--") and option not in ("--help", "--debug"):
                    assert f"`{option}" in table.split(f"`reportsite {name}`")[1].split("\n")[0], (name, option)


def test_every_make_target_is_documented() -> None:
    phony = re.search(r"^\.PHONY: (.+)$", (REPO / "Makefile").read_text(encoding="utf-8"), re.M)
    assert phony is not None
    missing = [t for t in phony.group(1).split() if f"`make {t}" not in README]
    assert missing == []


def test_version_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    from reportsite import __version__

    with pytest.raises(SystemExit) as done:
        parser().parse_args(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"reportsite {__version__}"


@pytest.mark.parametrize("index", range(len(YAML_BLOCKS)))
def test_every_yaml_example_is_valid(index: int) -> None:
    data = yaml.safe_load(YAML_BLOCKS[index])
    assert isinstance(data, dict), YAML_BLOCKS[index]
    keys = set(data)
    if keys <= set(ReportConfig.model_fields):  # a report, or the part of one the text is about
        ReportConfig.model_validate({"title": "Example", "text": "Example.", **data})
    else:
        assert keys <= set(SiteConfig.model_fields), f"keys neither a report nor site.yaml has: {sorted(keys)}"
        SiteConfig.model_validate(data)


def test_the_checker_refuses_a_wrong_example() -> None:
    with pytest.raises(ValueError):
        ReportConfig.model_validate({"title": "Example", "charts": [{"name": "x", "type": "pie chart",
                                                                     "query": "SELECT 1"}]})
