"""Write what the resource types registry (backup_relay/domain/resource_types.py) gives the
templates and the docs, so a type is added in the registry only:

- in template.yaml and member/template.yaml, each list between `# BEGIN GENERATED recovery point
  ARNs` and its END marker: the IAM resource patterns of every recovery point ARN form of every
  type (StartCopyJob's, lifecycle changes'), in the account of the stack;
- in member/template.yaml, the list between `# BEGIN GENERATED doctor reads` and its END marker:
  the actions the doctor reads members' resources with;
- in docs/copy-chain.md, the table of resource types.

A list's items are written at its BEGIN marker's indentation.

    python -m scripts.generate_resource_types          # rewrite the sections
    python -m scripts.generate_resource_types --check  # exit 1 if one is out of date
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from backup_relay.domain import resource_types
from backup_relay.domain.resource_types import Copies, Registry, ResourceType
from scripts import generated_section

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = (ROOT / "template.yaml", ROOT / "member" / "template.yaml")
DOCS = ROOT / "docs" / "copy-chain.md"
SCRIPT = "scripts/generate_resource_types.py"

RECOVERY_POINT_ARNS = "recovery point ARNs"
DOCTOR_READS = "doctor reads"
TABLE = "resource types"
_BEGIN = re.compile(
    rf"^(?P<indent>[ ]*)# BEGIN GENERATED (?P<what>[A-Za-z ]+) by {re.escape(SCRIPT)}$"
)


def begin(what: str, indent: str = "") -> str:
    return f"{indent}# BEGIN GENERATED {what} by {SCRIPT}\n"


def end(what: str, indent: str = "") -> str:
    return f"{indent}# END GENERATED {what}\n"


def items(what: str, registry: Registry) -> list[str]:
    """A template list's items, as YAML writes them."""
    if what == RECOVERY_POINT_ARNS:
        patterns = registry.recovery_point_patterns("${AWS::Partition}", "${AWS::AccountId}")
        return [f"!Sub {pattern}" for pattern in patterns]
    if what == DOCTOR_READS:
        return list(registry.doctor_reads())
    raise ValueError(f"no generated list {what!r}")


def with_lists(template: str, registry: Registry) -> str:
    """`template` with every generated list (its markers kept) as the registry gives it."""
    lines = template.splitlines(keepends=True)
    written: list[str] = []
    position = 0
    while position < len(lines):
        line = lines[position]
        written.append(line)
        position += 1
        if not (match := _BEGIN.match(line)):
            continue
        indent, what = match["indent"], match["what"]
        closing = end(what, indent)
        if closing not in lines[position:]:
            raise ValueError(f"{line.strip()!r} has no {closing.strip()!r} after it")
        written += [f"{indent}- {item}\n" for item in items(what, registry)]
        position = lines.index(closing, position)
    return "".join(written)


# ---- the docs' table ----------------------------------------------------------------------------
_DOCS_BEGIN = f"<!-- BEGIN GENERATED {TABLE} by {SCRIPT} -->\n"
_DOCS_END = f"<!-- END GENERATED {TABLE} -->\n"


def _copies(copies: Copies) -> str:
    if copies.cross_account and copies.cross_region:
        words = "across accounts and regions"
    elif copies.cross_region:
        words = "across regions only"
    elif copies.cross_account:
        words = "across accounts only"
    else:
        return "none"
    if copies.cross_account and not copies.cross_account_in_opt_in_regions:
        words += "; not across accounts in opt-in regions"
    return words


def _row(resource_type: ResourceType) -> str:
    arns = "<br>".join(
        f"`{form.arn('<region>', '<account>', uuid='<id>', hex17='<id>')}`"
        for form in resource_type.recovery_points
    )
    reads = ", ".join(f"`{read}`" for read in sorted(resource_type.doctor_reads)) or "-"
    two_hops = "yes" if resource_type.copies.two_hops else "-"
    cells = [
        resource_type.name,
        _copies(resource_type.copies),
        two_hops,
        arns,
        f"`{resource_type.quota_group}`",
        reads,
    ]
    return "| " + " | ".join(cells) + " |\n"


def table(registry: Registry) -> str:
    header = (
        "| type | AWS Backup copies it | two hops by default | its recovery points' ARNs "
        "| quota group | the doctor reads |\n"
        "|---|---|---|---|---|---|\n"
    )
    return _DOCS_BEGIN + header + "".join(_row(t) for t in registry) + _DOCS_END


def with_table(docs: str, registry: Registry) -> str:
    start, stop = docs.index(_DOCS_BEGIN), docs.index(_DOCS_END) + len(_DOCS_END)
    return docs[:start] + table(registry) + docs[stop:]


def main(argv: list[str] | None = None) -> int:
    description = __doc__.splitlines()[0]
    codes = [
        generated_section.main(
            argv,
            description=description,
            template=template,
            wanted=lambda current: with_lists(current, resource_types.REGISTRY),
            what="resource types lists",
        )
        for template in TEMPLATES
    ]
    codes.append(
        generated_section.main(
            argv,
            description=description,
            template=DOCS,
            wanted=lambda current: with_table(current, resource_types.REGISTRY),
            what="resource types table",
        )
    )
    return max(codes)


if __name__ == "__main__":
    sys.exit(main())
