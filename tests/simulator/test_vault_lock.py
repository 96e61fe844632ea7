"""A locked vault protects the recovery points in it as AWS documents: "Vault Lock also prevents
attempts to update the lifecycle policy that controls the retention period of any recovery point
currently stored in a backup vault", and it prevents "attempts to delete any recovery point
stored in or created in a backup vault" (PutBackupVaultLockConfiguration); "Recovery points
already stored in the vault prior to Vault Lock are not affected" by its range (MinRetentionDays).
The refusals' code (InvalidRequestException) and texts are INFERRED (docs/simulator.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from backup_relay_sandbox.backup_sim import Simulator
from tests.support.simulator import MEMBER, Api, Topology

VAULT = "member-vault"


def _point(sim: Simulator, topology: Topology, days: int | None) -> str:
    lifecycle = {"DeleteAfterDays": days} if days is not None else None
    return sim.put_recovery_point(
        topology.member_vault, topology.resource("EBS"), lifecycle=lifecycle
    )


def _update(api: Api, arn: str, days: int) -> dict[str, object]:
    return dict(
        api(MEMBER).update_recovery_point_lifecycle(
            BackupVaultName=VAULT, RecoveryPointArn=arn, Lifecycle={"DeleteAfterDays": days}
        )
    )


def _status(api: Api, arn: str) -> str:
    point = api(MEMBER).describe_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=arn)
    return str(point["Status"])


#: (the lock, the point's DeleteAfterDays, the update's, what the refusal says or None)
Case = tuple[dict[str, int], int | None, int, str | None]


@pytest.mark.parametrize(
    "case",
    [
        ({"MinRetentionDays": 30, "MaxRetentionDays": 100}, 60, 20, "shorter than the minimum"),
        ({"MinRetentionDays": 30, "MaxRetentionDays": 100}, 60, 365, "longer than the maximum"),
        ({"MinRetentionDays": 30}, 60, 40, "cannot be shortened"),
        ({"MinRetentionDays": 30}, 60, 90, None),
        ({"MinRetentionDays": 30, "ChangeableForDays": 3}, 60, 45, "cannot be shortened"),
        ({"MinRetentionDays": 30}, None, 400, "(indefinite) cannot be shortened"),
    ],
    ids=[
        "under min",
        "over max",
        "shortened in range",
        "lengthened in range",
        "compliance",
        "indefinite shortened",
    ],
)
def test_a_locked_vault_refuses_a_lifecycle_update_outside_its_range_or_shortening_it(
    case: Case, api: Api, sim: Simulator, topology: Topology
) -> None:
    lock, kept, asked, refused = case
    # GIVEN a recovery point kept `kept` days in a vault locked (governance, or compliance mode)
    arn = _point(sim, topology, kept)
    api(MEMBER).put_backup_vault_lock_configuration(BackupVaultName=VAULT, **lock)
    if refused is None:
        # WHEN its lifecycle is lengthened within the lock THEN the update is taken
        assert _update(api, arn, asked)["Lifecycle"] == {"DeleteAfterDays": asked}
        return
    # WHEN its lifecycle is set outside the lock, or shorter than it was
    with pytest.raises(ClientError) as error:
        _update(api, arn, asked)
    # THEN the call is refused (400), naming the vault, and the point keeps its lifecycle
    answer = error.value.response
    assert answer["Error"]["Code"] == "InvalidRequestException"
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert refused in answer["Error"]["Message"]
    assert topology.member_vault in answer["Error"]["Message"]
    point = api(MEMBER).describe_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=arn)
    assert point.get("Lifecycle") == ({"DeleteAfterDays": kept} if kept else None)


def test_a_point_stored_before_the_lock_keeps_its_lifecycle_and_still_expires(
    api: Api, sim: Simulator, topology: Topology
) -> None:
    # GIVEN a point kept 7 days, then the vault locked at 30 days at least
    arn = _point(sim, topology, 7)
    api(MEMBER).put_backup_vault_lock_configuration(BackupVaultName=VAULT, MinRetentionDays=30)
    # WHEN 8 days pass
    sim.advance(timedelta(days=8))
    # THEN the lock did not change it: it was deleted when its own lifecycle ended
    with pytest.raises(ClientError) as gone:
        api(MEMBER).describe_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=arn)
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_locked_vault_refuses_to_delete_a_point_until_its_lifecycle_ends(
    api: Api, sim: Simulator, topology: Topology
) -> None:
    # GIVEN a point in a vault under a governance lock
    arn = _point(sim, topology, 60)
    api(MEMBER).put_backup_vault_lock_configuration(BackupVaultName=VAULT, MinRetentionDays=30)
    # WHEN it is deleted
    with pytest.raises(ClientError) as error:
        api(MEMBER).delete_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=arn)
    # THEN the call is refused and the point stays
    assert error.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "is locked" in error.value.response["Error"]["Message"]
    assert _status(api, arn) == "COMPLETED"
    # AND once the governance lock is removed, the same call deletes it
    api(MEMBER).delete_backup_vault_lock_configuration(BackupVaultName=VAULT)
    api(MEMBER).delete_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=arn)
    assert _status(api, arn) == "DELETING"
    sim.advance(timedelta(hours=1))
    with pytest.raises(ClientError):
        api(MEMBER).describe_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=arn)


def test_an_unlocked_vault_deletes_a_point_or_leaves_it_expired_without_permission(
    api: Api, sim: Simulator, topology: Topology
) -> None:
    # GIVEN two points, one AWS Backup may not delete (the role lacks the permission)
    kept, stuck = _point(sim, topology, 60), _point(sim, topology, 60)
    sim.settings.undeletable.add(stuck)
    # WHEN both are deleted
    for arn in (kept, stuck):
        api(MEMBER).delete_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=arn)
    # THEN the first is being deleted; the second "enters an EXPIRED state" (DeleteRecoveryPoint)
    assert (_status(api, kept), _status(api, stuck)) == ("DELETING", "EXPIRED")
