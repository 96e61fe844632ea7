"""The doctor's rules over the FSx file systems and Storage Gateway gateways a member's plans
select: pure, one finding per cause per member, each from AWS's documented setup it must accept
and the one it must refuse."""

from __future__ import annotations

import pytest

from backup_relay.doctor.resource_facts import SelectedResource, Selection
from backup_relay.doctor.resources import RESOURCE_RULES
from backup_relay.doctor.storage_types import STORAGE_RULES
from backup_relay.domain.failures import Severity
from tests.unit.test_doctor_coverage import (
    ADMIN_ONLY_KEY_POLICY,
    CENTRAL,
    ENABLED,
    MEMBER,
    REGION,
    ROOT_KEY_POLICY,
    _central,
    _member,
    _tagged_selection,
)

FSX = f"arn:aws:fsx:{REGION}:{MEMBER}:file-system/fs-0123456789abcdef0"
GATEWAY = f"arn:aws:storagegateway:{REGION}:{MEMBER}:gateway/sgw-12A3456B"


def _findings(
    *resources: SelectedResource,
    selections: list[Selection] | None = None,
    region: str = REGION,
) -> list[tuple[str, Severity, int]]:
    facts = _member(*resources, selections=selections)
    facts.region = region
    return [
        (f.category, f.severity, len(f.resources))
        for rule in (*RESOURCE_RULES, *STORAGE_RULES)
        for f in rule(facts, _central())
    ]


def _fsx(**changes: object) -> SelectedResource:
    fields: dict[str, object] = {
        "arn": FSX,
        "resource_type": "FSx",
        "tags": ENABLED,
        "key_arn": f"arn:aws:kms:{REGION}:{MEMBER}:key/k",
        "key_policy": ROOT_KEY_POLICY,
        "fsx_type": "LUSTRE",
        "fsx_deployment": "PERSISTENT_2",
    }
    return SelectedResource.model_validate(fields | changes)


@pytest.mark.parametrize(
    ("file_system", "copies_to", "found"),
    [
        # AWS's documented setup: a persistent file system on a customer managed key the
        # account (IAM) may use, copied to the central account
        ({}, [CENTRAL], []),
        ({"fsx_type": "WINDOWS", "fsx_deployment": None}, [CENTRAL], []),
        # on aws/fsx (FSx's default key): a type not fully managed by AWS Backup, on an AWS
        # managed key, cannot be copied to another account
        (
            {"key_aws_managed": True, "key_policy": None},
            [CENTRAL],
            [("aws_managed_key", "error", 1)],
        ),
        # ... in a plan that copies nowhere else: nothing to fail
        ({"key_aws_managed": True, "key_policy": None}, [], []),
        # the backup role works with the file system's key: a key only an administrator may use
        ({"key_policy": ADMIN_ONLY_KEY_POLICY}, [CENTRAL], [("resource_prerequisite", "error", 1)]),
        # FSx backs up no scratch Lustre file system (its key, FSx's own, does not matter then)
        (
            {"fsx_deployment": "SCRATCH_2", "key_arn": None, "key_aws_managed": True},
            [CENTRAL],
            [("resource_prerequisite", "error", 1)],
        ),
    ],
)
def test_fsx_file_systems(
    file_system: dict[str, object], copies_to: list[str], found: list[tuple[str, str, int]]
) -> None:
    selections = [_tagged_selection(copies_to_accounts=copies_to)]
    assert _findings(_fsx(**file_system), selections=selections) == found


@pytest.mark.parametrize(
    ("region", "found"),
    [
        ("us-west-2", []),
        # AWS: cross-account copy of FSx for ONTAP is not supported in Asia Pacific (New Zealand)
        ("ap-southeast-6", [("unsupported_copy_route", "error", 1)]),
        ("cn-north-1", [("unsupported_copy_route", "error", 1)]),
    ],
)
def test_fsx_for_ontap_is_not_copied_across_accounts_in_a_few_regions(
    region: str, found: list[tuple[str, str, int]]
) -> None:
    ontap = _fsx(fsx_type="ONTAP", fsx_deployment=None)
    assert _findings(ontap, region=region) == found


def _gateway(kind: str, tags: dict[str, str] = ENABLED, arn: str = GATEWAY) -> SelectedResource:
    return SelectedResource(arn=arn, resource_type="Storage Gateway", tags=tags, gateway_type=kind)


@pytest.mark.parametrize(
    ("resource", "selection", "found"),
    [
        # AWS's documented setup: a volume gateway's volumes, selected by their tags
        (_gateway("CACHED", arn=f"{GATEWAY}/volume/vol-1122AABB"), {}, []),
        (_gateway("STORED", arn=f"{GATEWAY}/volume/vol-1122AABB"), {}, []),
        # a file or tape gateway tagged as the plan selects: AWS Backup backs none up
        (_gateway("FILE_S3"), {}, [("resource_prerequisite", "error", 1)]),
        (_gateway("VTL"), {}, [("resource_prerequisite", "error", 1)]),
        # ... or named by an ARN pattern for its volumes
        (
            _gateway("FILE_FSX_SMB", tags={}),
            {"tags": [], "resources": [f"{GATEWAY}/*"]},
            [("resource_prerequisite", "error", 1)],
        ),
        # a file gateway no selection points at: nothing to say (not a resource to tag either)
        (_gateway("FILE_S3", tags={}), {}, []),
        (
            _gateway("FILE_S3"),
            {"not_resources": [GATEWAY]},
            [],
        ),
    ],
)
def test_storage_gateway_selections_point_at_volume_gateways(
    resource: SelectedResource, selection: dict[str, object], found: list[tuple[str, str, int]]
) -> None:
    assert _findings(resource, selections=[_tagged_selection(**selection)]) == found


def test_many_file_gateways_are_one_finding_with_the_fix() -> None:
    gateways = [_gateway("FILE_S3", arn=f"{GATEWAY[:-2]}{n:02X}") for n in range(7)]
    [finding] = [f for rule in STORAGE_RULES for f in rule(_member(*gateways), _central())]
    assert len(finding.resources) == 7
    assert "and 2 more" in finding.problem
    assert "volume gateways" in finding.problem
    assert finding.fix
    assert finding.docs is not None
    assert finding.docs.endswith("whatisbackup.html#supported-resources")
