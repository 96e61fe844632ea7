"""AWS RAM as AWS documents it for what the relay shares, where moto (5.x) differs:

- AWS Backup's logically air-gapped vaults are shareable ("AWS Backup: logically air-gapped
  vaults", https://docs.aws.amazon.com/ram/latest/userguide/shareable.html, and
  https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html): moto's
  list of shareable resource types has no `backup-vault`, and refuses the vault's ARN with "You
  cannot share the selected resource type.".
- EnableSharingWithAwsOrganization turns on RAM's trusted access in AWS Organizations, so
  ListAWSServiceAccessForOrganization then lists ram.amazonaws.com
  (https://docs.aws.amazon.com/ram/latest/userguide/getting-started-sharing.html#getting-started-sharing-orgs):
  moto answers true and records nothing. INFERRED: the service access is the record RAM keeps
  (AWS documents the operation "enables RAM to retrieve information about the organization").

Every other RAM operation the doctor reads (GetResourceShares with resourceOwner SELF,
GetResourceShareAssociations by RESOURCE and by PRINCIPAL) is moto's own, in AWS's shapes.
"""

from __future__ import annotations

from typing import Any

RAM = "ram.amazonaws.com"


def install() -> None:
    """Idempotent."""
    from moto.ram import models

    share: Any = models.ResourceShare
    if "backup-vault" not in share.SHAREABLE_RESOURCES:
        share.SHAREABLE_RESOURCES = [*share.SHAREABLE_RESOURCES, "backup-vault"]
    backend: Any = models.ResourceAccessManagerBackend
    enable = backend.enable_sharing_with_aws_organization
    if getattr(enable, "sandbox", False):
        return

    def enable_sharing_with_aws_organization(self: Any) -> dict[str, Any]:
        answer: dict[str, Any] = enable(self)
        self.organizations_backend.enable_aws_service_access(ServicePrincipal=RAM)
        return answer

    enable_sharing_with_aws_organization.sandbox = True  # type: ignore[attr-defined]
    backend.enable_sharing_with_aws_organization = enable_sharing_with_aws_organization
