"""The probe: a failure's diagnosed cause, checked now with the doctor's own reads and rules.

For a category a read-only check can confirm (`domain/proof.py`'s PROBED), the probe reads what
the job names (its source key, its destination vault, the organization's setting, its role) and
runs the doctor rule that reports that category over those facts alone: a finding of the category
confirms the cause, none contradicts it, a refused or failed read (or the time budget running
out) leaves it unchecked, naming the permission the read needs. One source for each rule: the
probe has none of its own.

It never blocks its caller past `budget_seconds`: the reads run on a worker thread, and when the
budget is spent the probe answers "could not check: timed out" (the worker's late answer is
dropped).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from backup_relay.doctor.central import (
    cross_account_backup_on,
    vault_keys_customer_managed,
    vault_locks_fit_the_retention,
)
from backup_relay.doctor.facts import (
    CentralFacts,
    MemberFacts,
    MemberResource,
    RecoveryPointKey,
    VaultFacts,
)
from backup_relay.doctor.members import (
    BACKUP_TAG,
    dr_region_has_the_option_groups,
    member_keys_usable,
)
from backup_relay.doctor.probe_reads import NEEDS, ProbeReads, RoleRefused
from backup_relay.doctor.report import Finding
from backup_relay.doctor.roles import role_findings
from backup_relay.doctor.sharing import copy_in_refused
from backup_relay.domain.categories import Category
from backup_relay.domain.errors import AwsError
from backup_relay.domain.proof import ProbeSubject, Proof, Verdict

__all__ = ["NEEDS", "Probe", "ProbeReads", "ProbeScope", "RoleRefused", "Unchecked"]


T = TypeVar("T")


class Unchecked(Exception):
    """The probe cannot decide: why, in a few words."""


@dataclass
class _Counted:
    """The reads, counted (the alert's metrics), each failure naming what it needed."""

    reads: ProbeReads
    central_account: str
    calls: int = 0

    def __call__(self, name: str, account: str, read: Callable[[], T]) -> T:
        self.calls += 1
        try:
            return read()
        except RoleRefused as refused:
            raise Unchecked(
                f"{refused.code} assuming {refused.role_arn} (sts:AssumeRole: the member stack's "
                "DoctorRole must exist and trust this stack's roles)"
            ) from refused
        except AwsError as error:
            through = (
                "" if account == self.central_account else f" through the DoctorRole of {account}"
            )
            raise Unchecked(f"{error.code} reading {name} ({NEEDS[name]}{through})") from error


class ProbeScope(Protocol):
    """What the probe knows of the stack (the settings' ProbeSettings)."""

    @property
    def central_account(self) -> str: ...
    @property
    def organization_id(self) -> str: ...
    @property
    def central_vault_name(self) -> str: ...
    @property
    def intermediate_retention_days(self) -> int: ...
    @property
    def dr_vault_arn(self) -> str | None: ...
    @property
    def dr_retention_days(self) -> int: ...
    @property
    def backup_role_arn(self) -> str:
        """The role the chain's copy jobs run as (ChainSteps' StartCopyJob IamRoleArn)."""
        ...

    @property
    def probe_timeout_seconds(self) -> float:
        """The probe's time budget: past it, "could not check: timed out"."""
        ...


@dataclass
class Probe:
    reads: ProbeReads
    scope: ProbeScope
    #: what each run did, for the metrics: (category, verdict, reads, seconds)
    observe: Callable[[str, Verdict, int, float], None] = field(default=lambda *_: None)

    @property
    def central_account(self) -> str:
        return self.scope.central_account

    def __call__(self, subject: ProbeSubject) -> Proof:
        started = time.monotonic()
        subject = self._with_the_chains_role(subject)
        counted = _Counted(self.reads, self.central_account)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="probe")
        try:
            # in a copy of the caller's context: its tracing and log keys go with the reads
            run = contextvars.copy_context().run
            verdict, finding = pool.submit(run, self._check, subject, counted).result(
                timeout=self.scope.probe_timeout_seconds
            )
        except FutureTimeout:
            verdict, finding = (
                Verdict.UNCHECKED,
                f"timed out after {self.scope.probe_timeout_seconds:g} s",
            )
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        self.observe(subject.category, verdict, counted.calls, time.monotonic() - started)
        return Proof(subject=subject, verdict=verdict, finding=finding, reads=counted.calls)

    def _with_the_chains_role(self, subject: ProbeSubject) -> ProbeSubject:
        """A copy in the central account that names no role is a chain's hop (a chain alert, a
        replayed hop: their copy job's role is not on the hop): it ran as the stack's backup
        role, the one ChainSteps passes to StartCopyJob."""
        if subject.role_arn or subject.kind != "COPY" or subject.account != self.central_account:
            return subject
        return subject.model_copy(update={"role_arn": self.scope.backup_role_arn})

    def _check(self, subject: ProbeSubject, read: _Counted) -> tuple[Verdict, str]:
        checks: dict[str, Callable[[ProbeSubject, _Counted], tuple[Verdict, str]]] = {
            Category.KMS_KEY_NOT_SHARED: self._source_key,
            Category.AWS_MANAGED_KEY: self._source_key,
            Category.DEFAULT_VAULT_KEY: self._destination_vault,
            Category.VAULT_ACCESS_POLICY: self._destination_vault,
            Category.VAULT_LOCK_RETENTION: self._destination_vault,
            Category.CROSS_ACCOUNT_DISABLED: self._cross_account,
            Category.IAM_ROLE_PERMISSIONS: self._role,
            Category.OPTION_GROUP_MISSING: self._option_groups,
        }
        check = checks.get(subject.category)
        if check is None:
            return Verdict.UNCHECKED, f"no read-only check confirms {subject.category}"
        try:
            return check(subject, read)
        except Unchecked as why:
            return Verdict.UNCHECKED, str(why)
        except Exception as error:  # a probe never fails its alert
            return Verdict.UNCHECKED, f"{type(error).__name__}: {error}"

    # ---- the checks: facts read, then the doctor's rule ---------------------------------------

    def _central(self, **facts: object) -> CentralFacts:
        return CentralFacts.model_validate(
            {
                "account": self.central_account,
                "organization_id": self.scope.organization_id,
                "vaults": [],
                "cross_account_backup": None,
                "backup_role_arn": "",
                "backup_role_exists": True,
                "backup_role_trusts_backup": True,
            }
            | facts
        )

    def _source_key(self, subject: ProbeSubject, read: _Counted) -> tuple[Verdict, str]:
        """member_keys_usable (doctor/members.py) over the one key, with the copy's destination
        account in the central account's place."""
        destination = subject.destination_account
        if subject.kind != "COPY" or not destination:
            raise Unchecked("the job names no copy destination")
        key_arn: str | None = subject.key_arn
        if key_arn is None and subject.recovery_point_arn and subject.source_vault_arn:
            rp, vault = subject.recovery_point_arn, subject.source_vault_arn
            key_arn = read(
                "recovery_point_key",
                subject.account,
                lambda: self.reads.recovery_point_key(subject.account, subject.region, vault, rp),
            )
        if not key_arn:
            raise Unchecked("the job names no key, and its recovery point lists none")
        key = key_arn
        managed, state, policy = read(
            "key", subject.account, lambda: self.reads.key(subject.account, subject.region, key)
        )
        point = RecoveryPointKey(
            arn=subject.recovery_point_arn or key_arn,
            resource_type=subject.resource_type or "",
            key_arn=key_arn,
            key_aws_managed=managed,
            key_policy=policy or "",
            key_state=state or "Enabled",
        )
        member = MemberFacts(
            account=subject.account, region=subject.region, recovery_points=[point]
        )
        findings = member_keys_usable(member, self._central(account=destination))
        return _judged(
            subject,
            findings,
            f"key {key_arn} is customer managed, {state or 'Enabled'}, and its policy lets "
            f"account {destination} use it (kms:Decrypt, kms:CreateGrant)",
        )

    def _destination_vault(self, subject: ProbeSubject, read: _Counted) -> tuple[Verdict, str]:
        """vault_keys_customer_managed, copy_in_refused, vault_locks_fit_the_retention
        (doctor/central.py, doctor/sharing.py) over the copy's destination vault."""
        arn = subject.destination_vault_arn
        account = subject.destination_account
        if not arn or not account:
            raise Unchecked("the job names no destination vault")
        vault = read("vault", account, lambda: self.reads.vault(arn))
        if not vault.exists:
            return Verdict.CONTRADICTED, f"vault {arn} does not exist (or may not be read)"
        category = subject.category
        if category == Category.VAULT_ACCESS_POLICY:
            central = self._central(source_accounts=[subject.account])
            refused = copy_in_refused(vault, central)
            if refused is not None:
                return Verdict.CONFIRMED, f"vault {arn}'s access policy {refused[0]}"
            return (
                Verdict.CONTRADICTED,
                f"vault {arn}'s access policy allows backup:CopyIntoBackupVault to account "
                f"{subject.account}",
            )
        if category == Category.VAULT_LOCK_RETENTION:
            return self._lock(subject, vault)
        found = list(vault_keys_customer_managed(self._central(vaults=[vault])))
        return _judged(subject, found, f"vault {arn}'s key {vault.key_arn} is customer managed")

    def _lock(self, subject: ProbeSubject, vault: VaultFacts) -> tuple[Verdict, str]:
        if vault.lock_min_retention_days is None and vault.lock_max_retention_days is None:
            return Verdict.CONTRADICTED, f"vault {vault.arn} has no lock that limits retention"
        name = vault.arn.rsplit(":", 1)[-1]
        role = (
            "DR"
            if vault.arn == self.scope.dr_vault_arn
            else "central"
            if vault.account == self.central_account and name == self.scope.central_vault_name
            else None
        )
        if role is None:
            raise Unchecked(
                f"vault {vault.arn} locks retention to {vault.lock_min_retention_days or 1}-"
                f"{vault.lock_max_retention_days or 'unlimited'} days; the copy's own lifecycle "
                "is the member plan's, which the alert does not know"
            )
        facts = self._central(
            vaults=[vault.model_copy(update={"role": role})],
            intermediate_retention_days=self.scope.intermediate_retention_days,
            dr_retention_days=self.scope.dr_retention_days,
        )
        return _judged(
            subject,
            list(vault_locks_fit_the_retention(facts)),
            f"vault {vault.arn}'s lock allows the retention the chain gives its copies",
        )

    def _cross_account(self, subject: ProbeSubject, read: _Counted) -> tuple[Verdict, str]:
        """cross_account_backup_on (doctor/central.py)."""
        enabled = read(
            "cross_account_backup", self.central_account, self.reads.cross_account_backup
        )
        if enabled is None:
            raise Unchecked(f"AccessDenied reading the setting ({NEEDS['cross_account_backup']})")
        findings = list(cross_account_backup_on(self._central(cross_account_backup=enabled)))
        return _judged(subject, findings, "cross-account backup is turned on")

    def _role(self, subject: ProbeSubject, read: _Counted) -> tuple[Verdict, str]:
        """roles.role_findings (doctor/roles.py) over the job's role."""
        arn = subject.role_arn
        if not arn:
            raise Unchecked("the job names no IAM role")
        role = read(
            "role", subject.account, lambda: self.reads.role(subject.account, subject.region, arn)
        )
        member = MemberFacts(account=subject.account, region=subject.region, recovery_points=[])
        found = list(role_findings(member, role, needs_s3=subject.resource_type == "S3"))
        return _judged(
            subject,
            found,
            f"role {arn} exists, trusts backup.amazonaws.com and carries the managed policy",
        )

    def _option_groups(self, subject: ProbeSubject, read: _Counted) -> tuple[Verdict, str]:
        """dr_region_has_the_option_groups (doctor/members.py) over the copy's source snapshot,
        with its destination's account and region in the DR region's place."""
        snapshot, account = subject.recovery_point_arn, subject.destination_account
        region = subject.destination_region
        if not snapshot or not account or not region:
            raise Unchecked("the job names no source snapshot or no destination vault")
        if ":snapshot:" not in snapshot:  # Aurora, DocumentDB, Neptune: cluster-snapshot
            return Verdict.CONTRADICTED, (
                f"{snapshot} is not an RDS DB instance snapshot: only those keep an option group"
            )
        group = read(
            "snapshot_option_group",
            subject.account,
            lambda: self.reads.snapshot_option_group(subject.account, subject.region, snapshot),
        )
        if group is None or not group.options:
            return Verdict.CONTRADICTED, f"snapshot {snapshot} keeps no option group with options"
        groups = read(
            "option_groups",
            account,
            lambda: self.reads.option_groups(account, region, group.engine, group.major_version),
        )
        database = MemberResource(
            arn=snapshot, resource_type="RDS", tags={BACKUP_TAG: "enabled"}, option_group=group
        )
        member = MemberFacts(
            account=subject.account,
            region=subject.region,
            recovery_points=[],
            resources=[database],
        )
        central = self._central(account=account, dr_region=region, dr_option_groups=groups)
        options = ", ".join(sorted(group.options))
        return _judged(
            subject,
            dr_region_has_the_option_groups(central, [member]),
            f"an option group of {group.engine} {group.major_version} in account {account}, "
            f"region {region} has {options}",
        )


def _judged(subject: ProbeSubject, findings: Iterable[Finding], absent: str) -> tuple[Verdict, str]:
    """Confirmed by a finding of the subject's category; otherwise contradicted, by another
    category's finding (which says what else it is) or by none (`absent` says what was seen)."""
    found = list(findings)
    mine = next((f for f in found if f.category == subject.category), None)
    if mine is not None:
        return Verdict.CONFIRMED, mine.problem
    other = next(iter(found), None)
    if other is not None:
        return Verdict.CONTRADICTED, f"{other.problem} ({other.category}, not {subject.category})"
    return Verdict.CONTRADICTED, absent
