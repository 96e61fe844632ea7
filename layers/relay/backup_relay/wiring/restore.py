"""The builder of `backup-relay restore` (the CLI's; no function runs it)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from backup_relay.settings import RestoreSettings
from backup_relay.wiring.functions import _build_bring_back
from backup_relay.wiring.shared import chain_ports

if TYPE_CHECKING:
    from backup_relay.restore.restore import Restore


def restore(env: Mapping[str, str], pause: Callable[[float], None] = time.sleep) -> Restore:
    """`env`: the environment the deployed stack gives its BringBackFunction (the CLI's);
    `pause`: how the restore waits between two looks at its chain or job."""
    from backup_relay.adapters.restore import CentralCopiesMetadata, MemberRestoreJobs, RamLagShares
    from backup_relay.restore.restore import Restore

    settings = RestoreSettings.load(env)
    ports = chain_ports(settings)
    partition = env.get("AWS_PARTITION", "aws")
    return Restore(
        bring_back=_build_bring_back(settings),
        recovery_points=ports["recovery_points"],
        ledger=ports["ledger"],
        central_metadata=CentralCopiesMetadata(),
        member=MemberRestoreJobs(settings.member_restore_role_name, partition),
        lag_shares=RamLagShares(),
        home_region=settings.home_region,
        partition=partition,
        pause=pause,
    )
