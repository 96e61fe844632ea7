"""Organizations' resource-based delegation policy, which moto (5.2.5) does not implement:
PutResourcePolicy, DescribeResourcePolicy and DeleteResourcePolicy, with AWS's shapes, callers
and errors (botocore's model, https://docs.aws.amazon.com/organizations/latest/APIReference/):

- PutResourcePolicy "Creates or updates a resource policy. You can only call this operation
  from the management account."
- DescribeResourcePolicy: "You can only call this operation from the management account or a
  member account that is a delegated administrator." INFERRED: a delegated administrator of
  any service (an older wording of the page says "for an AWS service").
- DeleteResourcePolicy: "You can only call this operation from the management account."
- none stored: ResourcePolicyNotFoundException, "We can't find a resource policy request with
  the parameter that you specified." (the exception's description in the model).
- another account of the organization: AccessDeniedException (HTTP 400, as the API reference
  lists it; the message is INFERRED, as in moto_fidelity's ListAccounts); an account in no
  organization: AWSOrganizationsNotInUseException.

The policy lives on the management account's moto backend, so resetting moto forgets it.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.exceptions import JsonRESTError

_DENIED = "You don't have permissions to access this resource."  # INFERRED
_NOT_FOUND = "We can't find a resource policy request with the parameter that you specified."
_ATTRIBUTE = "sandbox_resource_policy"


def install() -> None:
    """Add the three operations to moto's Organizations responses (idempotent)."""
    from moto.organizations.responses import OrganizationsResponse

    responses: Any = OrganizationsResponse
    responses.put_resource_policy = _put
    responses.describe_resource_policy = _describe
    responses.delete_resource_policy = _delete


def _organization(response: Any, *, delegated_may: bool) -> Any:
    """The management account's backend of the caller's organization, if the caller may."""
    from moto.organizations.exceptions import AWSOrganizationsNotInUseException
    from moto.organizations.models import organizations_backends

    caller = response.current_account
    if response.organizations_backend.org is not None:
        return response.organizations_backend  # the management account itself
    if caller not in organizations_backends.master_accounts:
        raise AWSOrganizationsNotInUseException()
    management, partition = organizations_backends.master_accounts[caller]
    backend = organizations_backends[management][partition]
    if delegated_may and caller in {admin.account.id for admin in backend.admins}:
        return backend
    raise JsonRESTError("AccessDeniedException", _DENIED)


def _stored(backend: Any) -> dict[str, Any]:
    policy: dict[str, Any] | None = getattr(backend, _ATTRIBUTE, None)
    if policy is None:
        raise JsonRESTError("ResourcePolicyNotFoundException", _NOT_FOUND)
    return policy


def _put(self: Any) -> str:
    backend = _organization(self, delegated_may=False)
    content = str(json.loads(self.body or "{}").get("Content") or "")
    try:
        json.loads(content)
    except ValueError:
        # INFERRED: the model lists InvalidInputException for PutResourcePolicy; its message
        # for a policy that is not JSON is not published
        raise JsonRESTError(
            "InvalidInputException", "The provided policy document is not valid JSON."
        ) from None
    existing: dict[str, Any] | None = getattr(backend, _ATTRIBUTE, None)
    policy_id = existing["ResourcePolicySummary"]["Id"] if existing else "rp-sandbox01"
    organization = backend.org
    arn = (
        f"arn:aws:organizations::{organization.master_account_id}:resourcepolicy/"
        f"{organization.id}/{policy_id}"
    )
    policy = {"ResourcePolicySummary": {"Id": policy_id, "Arn": arn}, "Content": content}
    setattr(backend, _ATTRIBUTE, policy)
    return json.dumps({"ResourcePolicy": policy})


def _describe(self: Any) -> str:
    return json.dumps({"ResourcePolicy": _stored(_organization(self, delegated_may=True))})


def _delete(self: Any) -> str:
    backend = _organization(self, delegated_may=False)
    _stored(backend)
    setattr(backend, _ATTRIBUTE, None)
    return "{}"
