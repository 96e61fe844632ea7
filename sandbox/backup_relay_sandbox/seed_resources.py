"""Resources of the types the seeds' later additions make (EC2 instances with their volumes, FSx
file systems, Storage Gateway gateways and volumes), in moto and the sandbox's Storage Gateway:
seeds.py's makers of the other types, kept apart so that each module reads in one sitting."""

from __future__ import annotations

from backup_relay_sandbox.cloud import REGION, client

ENABLED = {"backup": "enabled"}


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    """Tags as EC2, FSx, Storage Gateway, S3 ... take them."""
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def instance(account: str, *keys: str, tags: dict[str, str] = ENABLED) -> str:
    """An EC2 instance with a volume on each of `keys` (the first its root volume), the
    instance and its volumes tagged `tags`."""
    created = client("ec2", REGION, account).run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        BlockDeviceMappings=[
            {"DeviceName": device, "Ebs": {"VolumeSize": 8, "Encrypted": True, "KmsKeyId": key}}
            for device, key in zip(("/dev/xvda", "/dev/xvdf", "/dev/xvdg"), keys, strict=False)
        ],
        TagSpecifications=[
            {"ResourceType": kind, "Tags": tag_list(tags)} for kind in ("instance", "volume")
        ],
    )
    return f"arn:aws:ec2:{REGION}:{account}:instance/{created['Instances'][0]['InstanceId']}"


def fsx_file_system(
    account: str,
    key: str | None,
    *,
    deployment: str = "PERSISTENT_2",
    tags: dict[str, str] = ENABLED,
) -> str:
    """An FSx for Lustre file system of `deployment`, on `key` (None: FSx's own, aws/fsx)."""
    created = client("fsx", REGION, account).create_file_system(
        FileSystemType="LUSTRE",
        StorageCapacity=1200,
        SubnetIds=["subnet-0a1b2c3d4e5f60718"],
        LustreConfiguration={"DeploymentType": deployment},
        Tags=tag_list(tags),
        **({"KmsKeyId": key} if key else {}),
    )
    return str(created["FileSystem"]["ResourceARN"])


def gateway(account: str, name: str, kind: str, tags: dict[str, str] | None = None) -> str:
    """A Storage Gateway gateway of `kind` (CACHED, STORED: volume gateways; FILE_S3, VTL ...)."""
    activated = client("storagegateway", REGION, account).activate_gateway(
        ActivationKey=f"{name[:5].upper():A<5}-BBBBB-CCCCC-DDDDD-EEEEE",
        GatewayName=name,
        GatewayTimezone="GMT",
        GatewayRegion=REGION,
        GatewayType=kind,
        Tags=tag_list(tags or {}),
    )
    return str(activated["GatewayARN"])


def gateway_volume(account: str, gateway_arn: str, tags: dict[str, str] = ENABLED) -> str:
    """A cached volume of a cached volume gateway."""
    created = client("storagegateway", REGION, account).create_cached_iscsi_volume(
        GatewayARN=gateway_arn,
        VolumeSizeInBytes=2**30,
        TargetName="data",
        NetworkInterfaceId="10.0.0.10",
        ClientToken="sandbox-volume",
        Tags=tag_list(tags),
    )
    return str(created["VolumeARN"])
