"""Run the real Lambda handlers in-process, with the environment the template gives them."""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, REGION
from backup_relay_sandbox.template import REPO_ROOT, load_template

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class FakeContext:
    """The attributes Powertools reads from a Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = ""
    function_version: str = "$LATEST"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{CENTRAL_ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def load_handler(logical_id: str) -> Handler:
    """Import `CodeUri/<module>.py` of a function in template.yaml and return its handler."""
    properties = load_template()["Resources"][logical_id]["Properties"]
    module_name, function_name = properties["Handler"].rsplit(".", 1)
    path = REPO_ROOT / properties["CodeUri"] / f"{module_name}.py"
    spec = importlib.util.spec_from_file_location(f"functions_{logical_id}_{module_name}", path)
    assert spec is not None
    assert spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler: Handler = getattr(module, function_name)
    return handler
