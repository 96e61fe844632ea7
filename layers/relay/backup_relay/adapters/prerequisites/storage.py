"""A member's FSx file systems and Storage Gateway gateways and volumes, as coverage.py reads the
other types: their ARNs, tags and keys, and what decides whether AWS Backup can back them up
(an FSx file system's type and deployment, a gateway's type)."""

from __future__ import annotations

from typing import Any

from backup_relay.adapters.prerequisites.reads import pages
from backup_relay.doctor.resource_facts import VOLUME_GATEWAYS, SelectedResource


def _tags(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or []}


def file_systems(fsx: Any) -> list[SelectedResource]:
    """DescribeFileSystems (tags included). A file system without a KmsKeyId is on FSx's own
    AWS managed key: "If a KmsKeyId isn't specified, the Amazon FSx-managed KMS key for your
    account is used" (https://docs.aws.amazon.com/fsx/latest/APIReference/API_CreateFileSystem.html;
    AWS then answers its ARN, moto nothing)."""
    return [
        SelectedResource(
            arn=system["ResourceARN"],
            resource_type="FSx",
            tags=_tags(system.get("Tags")),
            key_arn=system.get("KmsKeyId"),
            key_aws_managed=not system.get("KmsKeyId"),
            fsx_type=system.get("FileSystemType"),
            fsx_deployment=(system.get("LustreConfiguration") or {}).get("DeploymentType"),
        )
        for system in pages(fsx, "describe_file_systems", "FileSystems")
    ]


def gateways(gateway: Any) -> list[SelectedResource]:
    """Each volume gateway's volumes (what AWS Backup backs up), and each other gateway itself
    (file, tape: what a selection may point at, which AWS Backup cannot back up)."""
    found: list[SelectedResource] = []
    for info in pages(gateway, "list_gateways", "Gateways"):
        arn, kind = info["GatewayARN"], info.get("GatewayType")
        if kind not in VOLUME_GATEWAYS:
            found.append(_tagged(gateway, arn, kind))
            continue
        found += [
            _tagged(gateway, volume["VolumeARN"], kind)
            for volume in pages(gateway, "list_volumes", "VolumeInfos", GatewayARN=arn)
        ]
    return found


def _tagged(gateway: Any, arn: str, kind: str | None) -> SelectedResource:
    tags = list(pages(gateway, "list_tags_for_resource", "Tags", ResourceARN=arn))
    return SelectedResource(
        arn=arn, resource_type="Storage Gateway", tags=_tags(tags), gateway_type=kind
    )
