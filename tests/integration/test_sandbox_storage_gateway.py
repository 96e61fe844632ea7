"""The sandbox's Storage Gateway (moto has none): what the doctor reads, in AWS's shapes, and
AWS's refusals of what the model refuses."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from backup_relay_sandbox.cloud import MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.seed_resources import gateway, gateway_volume

MEMBER = MEMBER_ACCOUNTS[0]


def test_gateways_volumes_and_tags_are_listed_as_aws_lists_them(moto: None) -> None:
    # GIVEN a cached volume gateway with a tagged volume, and a file gateway, in a member
    volumes = gateway(MEMBER, "volumes", "CACHED")
    volume = gateway_volume(MEMBER, volumes, tags={"backup": "enabled"})
    files = gateway(MEMBER, "files", "FILE_S3")
    storage = client("storagegateway", REGION, MEMBER)
    # WHEN the doctor's reads list them (through botocore's paginators)
    listed = [
        g for page in storage.get_paginator("list_gateways").paginate() for g in page["Gateways"]
    ]
    infos = storage.list_volumes(GatewayARN=volumes)["VolumeInfos"]
    tags = storage.list_tags_for_resource(ResourceARN=volume)["Tags"]
    # THEN each has AWS's ARN forms and types, and the volume its tags
    assert [(g["GatewayARN"], g["GatewayType"]) for g in listed] == [
        (volumes, "CACHED"),
        (files, "FILE_S3"),
    ]
    assert volumes.startswith(f"arn:aws:storagegateway:{REGION}:{MEMBER}:gateway/sgw-")
    assert [(i["VolumeARN"], i["VolumeType"]) for i in infos] == [(volume, "CACHED iSCSI")]
    assert volume.startswith(f"{volumes}/volume/vol-")
    assert tags == [{"Key": "backup", "Value": "enabled"}]
    # AND the central account sees none of the member's
    assert client("storagegateway", REGION).list_gateways()["Gateways"] == []


def test_pages_follow_the_marker(moto: None) -> None:
    arns = [gateway(MEMBER, f"gw{n}", "STORED") for n in range(3)]
    pages = client("storagegateway", REGION, MEMBER).get_paginator("list_gateways")
    listed = pages.paginate(PaginationConfig={"PageSize": 2})
    assert [[g["GatewayARN"] for g in page["Gateways"]] for page in listed] == [arns[:2], arns[2:]]


@pytest.mark.parametrize(
    "call",
    [
        # a gateway that does not exist (message INFERRED)
        lambda storage, files: storage.list_volumes(GatewayARN=f"{files}0"),
        # a volume on a file gateway (message INFERRED)
        lambda storage, files: storage.create_cached_iscsi_volume(
            GatewayARN=files,
            VolumeSizeInBytes=2**30,
            TargetName="data",
            NetworkInterfaceId="10.0.0.10",
            ClientToken="sandbox-volume",
        ),
    ],
)
def test_what_aws_refuses_is_invalid_gateway_request(moto: None, call: object) -> None:
    files = gateway(MEMBER, "files", "FILE_S3")
    with pytest.raises(ClientError) as refused:
        call(client("storagegateway", REGION, MEMBER), files)  # type: ignore[operator]
    assert refused.value.response["Error"]["Code"] == "InvalidGatewayRequestException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
