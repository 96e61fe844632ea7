"""The layer `sam build` makes (`make build` runs before pytest in `make test`): it ships only what
the Lambda runtime lacks, for the functions' platform."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backup_relay_sandbox.template import REPO_ROOT

LAYER = REPO_ROOT / ".aws-sam" / "build" / "RelayLayer" / "python"
#: What the python3.13 runtime already has; a copy in the layer would shadow it.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3")


@pytest.fixture
def layer() -> Path:
    if not LAYER.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{LAYER} is missing: `make test` runs `make build` first")
        pytest.skip("no built layer: run `make build` (make test does)")
    return LAYER


def test_the_layer_holds_no_package_the_runtime_provides(layer: Path) -> None:
    shipped = {path.name for path in layer.iterdir()}
    assert [name for name in RUNTIME_PACKAGES if name in shipped] == []
    assert {"backup_relay", "aws_lambda_powertools", "aws_xray_sdk", "pydantic"} <= shipped


def test_the_layer_is_built_for_arm64_and_small(layer: Path) -> None:
    [extension] = (layer / "pydantic_core").glob("_pydantic_core*.so")
    assert "aarch64" in extension.name
    size = sum(path.stat().st_size for path in layer.rglob("*") if path.is_file())
    assert size < 25 * 2**20, f"the layer is {size / 2**20:.1f} MiB"


def test_every_module_of_the_layer_is_compiled_for_the_runtime(layer: Path) -> None:
    # GIVEN the layer's modules (/opt is read-only in Lambda: a module without its .pyc is
    # compiled again at every cold start)
    modules = sorted(layer.rglob("*.py"))
    # THEN each has its .pyc for python3.13, and the layer holds no other Python's
    uncompiled = [
        str(m.relative_to(layer))
        for m in modules
        if not (m.parent / "__pycache__" / f"{m.stem}.cpython-313.pyc").is_file()
    ]
    assert modules
    assert uncompiled == []
    assert {p.name.split(".")[-2] for p in layer.rglob("*.pyc")} == {"cpython-313"}
