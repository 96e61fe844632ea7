"""The README's deploy section, followed literally, deploys what the templates and samconfig.toml
say, where they say: one example of regions throughout, `make build`, every parameter of both
stacks, and times that were measured."""

from __future__ import annotations

import copy
import re
import tomllib
from typing import Any

import pytest
from samtranslator.yaml_helper import yaml_parse

from backup_relay_sandbox.template import CENTRAL_TEMPLATE, MEMBER_TEMPLATE, REPO_ROOT
from scripts.generate_docs_member_parameters import BEGIN, END, main, render

README = (REPO_ROOT / "README.md").read_text()
REGION = re.compile(r"\b(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d\b")


def _section(heading: str, text: str = README) -> str:
    """From `heading` to the next heading of its level or above."""
    start = text.index(f"\n{heading}\n")
    level = heading.split(" ", 1)[0]
    stops = [
        m.start() for m in re.finditer(r"\n(#+) ", text[start + 1 :]) if len(m[1]) <= len(level)
    ]
    return text[start : start + 1 + stops[0]] if stops else text[start:]


def _deploy_steps() -> str:
    """The deploy section's steps, without its parameter tables."""
    deploy = _section("## Deploy")
    return deploy[: deploy.index("### Parameters")]


def _prod() -> tuple[str, str]:
    """samconfig.toml [prod]'s region and DrRegion."""
    prod = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text())["prod"]["deploy"]["parameters"]
    overrides = dict(item.split("=", 1) for item in prod["parameter_overrides"])
    return prod["region"], overrides["DrRegion"]


def _example() -> tuple[list[str], str]:
    """The deploy section's example: its source regions and its DR region."""
    rows = dict(re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|$", _deploy_steps(), flags=re.MULTILINE))
    [sources] = [value for what, value in rows.items() if what.startswith("source regions")]
    [dr] = [value for what, value in rows.items() if what.startswith("DR region")]
    [dr_region] = REGION.findall(dr)
    return REGION.findall(sources), dr_region


def _code(text: str) -> str:
    """The shell lines of `text`'s code blocks, continuation lines joined."""
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    return "\n".join(block.replace("\\\n", " ") for block in blocks)


def test_the_deploy_section_states_one_example_of_regions_samconfig_shares() -> None:
    # GIVEN the README's deploy section and samconfig.toml's [prod]
    sources, dr = _example()
    region, dr_region = _prod()
    # THEN the example's first source region is where `sam deploy --config-env prod` deploys,
    # and its DR region is [prod]'s DrRegion, which is no source region
    assert sources[0] == region
    assert dr == dr_region
    assert dr not in sources


def test_every_deploy_command_puts_each_stack_in_the_example_regions() -> None:
    # GIVEN the example's regions and the deploy section's commands
    sources, dr = _example()
    code = _code(_deploy_steps())
    # THEN the vaults stack goes to every source region and the DR region, told which is DR
    [loop] = re.findall(r"for region in ([^;]+); do", code)
    assert set(loop.split()) == {*sources, dr}
    assert re.findall(r"DrRegion=(\S+)", code) == [dr]
    # AND the central stack (and its preflight) to source regions only: samconfig's, then others
    central = re.findall(
        r"(?:sam deploy|doctor --preflight) --config-env prod(?: --region (\S+))?", code
    )
    assert central
    assert {r for r in central if r} == set(sources[1:])
    # AND the member StackSet to every source region, never the DR region
    [stack_set] = re.findall(r"--regions ((?:\S+ ?)+)", code)
    assert stack_set.split() == sources
    # AND the doctor checks every source region
    doctor = [
        line
        for line in code.splitlines()
        if "backup-relay doctor" in line and "--preflight" not in line
    ]
    assert [REGION.findall(line) for line in doctor] == [sources]
    # AND no command names a region outside the example
    assert set(REGION.findall(code)) == {*sources, dr}


@pytest.mark.parametrize("doc", ["README.md", "docs/deploy.md"])
def test_the_deploy_commands_build_with_make_build(doc: str) -> None:
    # GIVEN the deploy commands of the README and of the deploy guide
    text = (REPO_ROOT / doc).read_text()
    code = _code(_deploy_steps() if doc == "README.md" else text)
    # THEN they build with `make build` (it finds the python3.13 sam build needs), not sam build
    assert re.search(r"^\s*make build\b", code, flags=re.MULTILINE)
    assert not re.search(r"(?:^|&&)\s*sam build\b", code, flags=re.MULTILINE)


def test_the_member_parameter_table_is_generated_from_the_member_template() -> None:
    # GIVEN the README's member parameters section and what the member template gives today
    template: dict[str, Any] = yaml_parse(MEMBER_TEMPLATE.read_text())
    # THEN they are the same (run `make generate` after changing the template's parameters)
    assert main(["--check"]) == 0
    table = README[README.index(BEGIN) : README.index(END)]
    assert re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE) == list(template["Parameters"])


def test_a_new_member_parameter_reaches_the_table() -> None:
    # GIVEN the member template with one more parameter
    template: dict[str, Any] = copy.deepcopy(yaml_parse(MEMBER_TEMPLATE.read_text()))
    template["Parameters"]["NewSetting"] = {"Type": "String", "Default": "x", "Description": "a|b"}
    # WHEN the section is rendered THEN it lists it, its default and its meaning
    assert "| `NewSetting` | `x` | a\\|b |\n" in render(template)


def test_the_central_parameter_table_lists_every_parameter_with_the_templates_default() -> None:
    # GIVEN the README's central parameters table and template.yaml's parameters
    parameters: dict[str, Any] = yaml_parse(CENTRAL_TEMPLATE.read_text())["Parameters"]
    table = _section("### Parameters (central stack)")
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", table, flags=re.MULTILINE))
    # THEN each parameter is there once, with the template's default
    assert sorted(rows) == sorted(parameters)
    for name, spec in parameters.items():
        default = str(spec.get("Default", ""))
        expected = "(required)" if "Default" not in spec else f"`{default}`" if default else "empty"
        assert rows[name] == expected, name


def test_the_times_the_readme_gives_were_measured() -> None:
    # GIVEN the README THEN it gives no guessed time ("about 10 s"); its times were measured
    assert not re.search(r"about \d+ ?s\b", README)
    for sentence in re.findall(r"[^.]*\b\d+(?:-\d+)? s\b[^.]*", _section("## The demo")):
        assert "measured" in sentence, sentence
