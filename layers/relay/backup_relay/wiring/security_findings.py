"""Builder of the Security Hub publisher the scheduled doctor and reconcile share (opt-in:
SecurityHubFindings; None when it is off)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from backup_relay.settings import SecurityHubSettings

if TYPE_CHECKING:
    from backup_relay.security_findings.publish import PublishFindings


def security_findings(env: Mapping[str, str] | None = None) -> PublishFindings | None:
    """`env`: default, this process's (the functions')."""
    settings = SecurityHubSettings.load(env)
    if not settings.security_hub_findings:
        return None
    from backup_relay.adapters.securityhub import SecurityHubFindings
    from backup_relay.domain.route_table import partition
    from backup_relay.domain.security_findings import Product
    from backup_relay.security_findings.publish import PublishFindings

    region = settings.home_region
    product = Product(
        account=settings.central_account,
        region=region,
        scope=settings.stack_name,
        partition=partition(region),
    )
    return PublishFindings(hub=SecurityHubFindings(region), product=product)
