"""What `sam deploy --config-env ENV` would deploy, read from samconfig.toml: the stack's name,
region and parameter overrides, over template.yaml's defaults (backup_relay.template_parameters).

SAM reads `[ENV.deploy.parameters]`, then `[ENV.global.parameters]` for what the deploy section
does not set; `parameter_overrides` is a list of "Key=Value" strings or one string of them,
values quoted or not.
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-config.html
"""

from __future__ import annotations

import shlex
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backup_relay.doctor.facts import StackPlan
from backup_relay.template_parameters import DEFAULTS
from backup_relay_cli.options import DEFAULT_STACK


class ConfigError(ValueError):
    """samconfig.toml cannot say what would be deployed (bad usage)."""


@dataclass(frozen=True)
class DeployConfig:
    stack_name: str | None = None
    region: str | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    source: str = "template defaults"


def read(path: Path, environment: str) -> DeployConfig:
    try:
        config = tomllib.loads(path.read_text())
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    sections = config.get(environment)
    if not isinstance(sections, dict):
        known = ", ".join(k for k, v in config.items() if isinstance(v, dict)) or "none"
        raise ConfigError(
            f"no [{environment}] environment in {path} (it has: {known}): pass --config-env "
            "with one of them"
        )

    def setting(name: str) -> Any:
        for command in ("deploy", "global"):
            value = sections.get(command, {}).get("parameters", {}).get(name)
            if value is not None:
                return value
        return None

    source = f"{path.name} [{environment}]"
    return DeployConfig(
        stack_name=setting("stack_name"),
        region=setting("region"),
        overrides=overrides(setting("parameter_overrides") or [], source),
        source=source,
    )


def overrides(value: str | Sequence[str], source: str) -> dict[str, str]:
    """Key=Value pairs, as SAM reads them: a list of strings, or one string; quotes removed."""
    items = [value] if isinstance(value, str) else list(value)
    pairs: dict[str, str] = {}
    for item in items:
        try:
            tokens = shlex.split(item)
        except ValueError as error:
            raise ConfigError(f"parameter_overrides of {source}: {item!r}: {error}") from None
        for token in tokens:
            key, equals, text = token.partition("=")
            if not equals or not key:
                raise ConfigError(f"parameter_overrides of {source}: {token!r} is not Key=Value")
            pairs[key] = text
    return pairs


def plan(
    config: DeployConfig, *, stack_name: str | None, region: str, overrides: dict[str, str]
) -> StackPlan:
    """The deploy's plan: the template's defaults, then samconfig's overrides, then the command
    line's (like `sam deploy --parameter-overrides`, they replace samconfig's whole list)."""
    chosen = overrides or config.overrides
    parameters = {name: value for name, value in DEFAULTS.items() if value is not None}
    parameters |= {name: value for name, value in chosen.items() if name in DEFAULTS}
    source = "--parameter-overrides" if overrides else config.source
    return StackPlan(
        stack_name=stack_name or config.stack_name or DEFAULT_STACK,
        region=region,
        parameters=parameters,
        missing=[name for name in DEFAULTS if name not in parameters],
        unknown=[name for name in chosen if name not in DEFAULTS],
        source=source,
    )
