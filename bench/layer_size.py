"""The built layer's size, by package (what each function's cold start unpacks and imports from).

Run: make bench   (after `make build`; or .venv/bin/python bench/layer_size.py)
The python3.13 runtime provides boto3 and botocore: the layer ships neither (tests/integration/
test_built_layer.py holds it to that).
"""

from __future__ import annotations

import sys
from pathlib import Path

LAYER = Path(__file__).resolve().parents[1] / ".aws-sam" / "build" / "RelayLayer" / "python"
GOAL_MB = 2.0


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    if not LAYER.is_dir():
        print(f"no built layer at {LAYER}: run `make build` first", file=sys.stderr)
        return 1
    packages: dict[str, int] = {}
    for entry in LAYER.iterdir():
        name = entry.name.split("-")[0] if entry.name.endswith(".dist-info") else entry.name
        packages[name.removesuffix(".py")] = packages.get(name, 0) + _size(entry)
    total = sum(packages.values())
    print(f"built layer (.aws-sam/build/RelayLayer): {total / 2**20:.1f} MiB unpacked, without "
          f"boto3 or botocore (goal <= {GOAL_MB:g} MB)")  # fmt: skip
    for name, size in sorted(packages.items(), key=lambda item: -item[1])[:8]:
        print(f"  {name:<28} {size / 2**20:5.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
