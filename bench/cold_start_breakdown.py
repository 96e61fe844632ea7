"""Where a handler's cold start goes: bench/cold_start.py's run, under `python -X importtime`.

Run: .venv/bin/python bench/cold_start_breakdown.py [--only ingest,alerts] [--venv]

One run per handler, tracing off and on, against what bench/cold_start.py measures against.
Each phase's import time (the handler's import; its first event) is charged to the package
imported: its dependencies go with it (pydantic_core with pydantic, urllib3 with botocore), and
so does a standard-library module it is the first to import; our modules' own time includes
building their pydantic models. The rest of the phase is the time not spent importing: for the
first event, building clients, the calls, our code. -X importtime slows what it measures.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass

from cold_start import TRACING, Handler, invoke, lambda_python, sandbox

_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+\d+ \| ( *)(\S+)")
_PHASE = "lambda_runtime: "  # bench/lambda_runtime.py's MARK
#: Whose import time a module's is: a package's dependencies go with it (pydantic_core with
#: pydantic); a standard library module goes with the package that imported it first.
_OWNERS = {
    "backup_relay": "ours",
    "aws_lambda_powertools": "Powertools",
    "pydantic": "pydantic", "pydantic_core": "pydantic", "annotated_types": "pydantic",
    "typing_extensions": "pydantic", "typing_inspection": "pydantic",
    "botocore": "botocore", "urllib3": "botocore", "dateutil": "botocore",
    "jmespath": "botocore", "six": "botocore",
    "boto3": "boto3", "s3transfer": "boto3",
    "aws_xray_sdk": "X-Ray SDK", "wrapt": "X-Ray SDK",
}  # fmt: skip


@dataclass
class _Import:
    name: str
    self_us: int
    children: list[_Import]


def breakdown(handler: Handler, endpoint: str, tracing: str, *flags: str) -> None:
    """Per phase, its import time by whose it is (_OWNERS), and the rest of the phase."""
    outcome = invoke(handler, endpoint, tracing, 0, *flags, "-X", "importtime")
    phases: dict[str, list[_Import]] = {}
    pending: dict[int, list[_Import]] = {}  # -X importtime prints a module after its imports
    phase = ""
    for line in outcome["stderr"].splitlines():
        if line.startswith(_PHASE):
            phases[phase], pending, phase = pending.get(0, []), {}, line.removeprefix(_PHASE)
        elif match := _IMPORTTIME.match(line):
            depth = len(match[2]) // 2
            module = _Import(match[3], int(match[1]), pending.pop(depth + 1, []))
            pending.setdefault(depth, []).append(module)
    phases[phase] = pending.get(0, [])
    print(f"\n{handler.folder}, tracing {tracing} (ms, under -X importtime):")
    for name in ("import", "first_event"):
        owners: Counter[str] = Counter()
        for module in phases.get(name, []):
            _charge(module, "the standard library", owners)
        took = outcome[name][0] * 1000
        importing = sum(owners.values()) / 1000
        shares = ", ".join(
            f"{owner} {us / 1000:.0f}" for owner, us in owners.most_common() if us >= 500
        )
        print(f"  {name.replace('_', ' ')} {took:.0f}: importing {shares}; the rest "
              f"{took - importing:.0f}")  # fmt: skip


def _charge(module: _Import, owner: str, owners: Counter[str]) -> None:
    package = module.name.split(".")[0]
    if package not in sys.stdlib_module_names:
        owner = _OWNERS.get(package, package)
    owners[owner] += module.self_us
    for child in module.children:
        _charge(child, owner, owners)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="function folders, comma-separated")
    parser.add_argument("--venv", action="store_true", help="import from the venv, not the layer")
    args = parser.parse_args(argv)
    only = {name for name in args.only.split(",") if name}
    python = [] if args.venv else lambda_python()
    with sandbox() as (endpoint, handlers):
        for handler in [h for h in handlers if not only or h.folder in only]:
            for tracing in TRACING:
                breakdown(handler, endpoint, tracing, *python)


if __name__ == "__main__":
    main()
