"""The probe of a failure's cause (doctor/probe.py): the doctor's reads and rules, over what the
job names, say "confirmed", "contradicted" or "could not check", within a time budget."""

from __future__ import annotations

import time

import pytest

from backup_relay.doctor.facts import OptionGroupFacts, VaultFacts
from backup_relay.doctor.probe import Probe, RoleRefused
from backup_relay.doctor.resource_facts import RoleFacts
from backup_relay.domain.categories import Category
from backup_relay.domain.proof import ProbeSubject, Verdict
from tests.support.probe_fakes import MemoryProbeReads, Scope, key_policy
from tests.support.world import CENTRAL, CENTRAL_HOME, DR, HOME, MEMBER, MEMBER_VAULT

pytestmark = pytest.mark.unit

POINT = f"arn:aws:rds:{HOME}:{MEMBER}:cluster-snapshot:awsbackup:j1"
KEY = f"arn:aws:kms:{HOME}:{MEMBER}:key/1111"
ROLE = f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole"


def _subject(category: Category, **changes: str) -> ProbeSubject:
    """A member's Aurora copy into the central vault, diagnosed as `category`."""
    fields = {
        "category": category,
        "kind": "COPY",
        "account": MEMBER,
        "region": HOME,
        "resource_type": "Aurora",
        "recovery_point_arn": POINT,
        "source_vault_arn": MEMBER_VAULT.arn,
        "destination_vault_arn": CENTRAL_HOME.arn,
        "role_arn": ROLE,
    }
    return ProbeSubject.model_validate(fields | changes)


def _member_key(policy: str, *, managed: bool = False, state: str = "Enabled") -> MemoryProbeReads:
    return MemoryProbeReads(keys={KEY: (managed, state, policy)}, points={POINT: KEY})


def _vault(arn: str = CENTRAL_HOME.arn, **facts: object) -> VaultFacts:
    return VaultFacts.model_validate(
        {"role": "destination", "arn": arn, "account": CENTRAL, "region": HOME, "exists": True}
        | facts
    )


# ---- the key a copy reads ----------------------------------------------------------------------


def test_a_source_key_the_destination_may_not_use_confirms_kms_key_not_shared() -> None:
    # GIVEN a member key whose policy lets only its own account use it
    reads = _member_key(key_policy(MEMBER))
    # WHEN the probe checks a copy diagnosed kms_key_not_shared
    proof = Probe(reads, Scope())(_subject(Category.KMS_KEY_NOT_SHARED))
    # THEN the doctor's finding confirms it, naming the central account; the reads are counted
    assert proof.verdict is Verdict.CONFIRMED
    assert f"does not let account {CENTRAL} use it" in proof.finding
    assert proof.line.startswith("confirmed: ")
    assert (proof.reads, reads.calls) == (2, ["recovery_point_key", "key"])


def test_a_key_shared_since_contradicts_kms_key_not_shared() -> None:
    # GIVEN the key's policy now lets the central account use it (the cause fixed)
    reads = _member_key(key_policy(MEMBER, CENTRAL))
    # WHEN probed
    proof = Probe(reads, Scope())(_subject(Category.KMS_KEY_NOT_SHARED))
    # THEN contradicted, saying what it saw
    assert proof.verdict is Verdict.CONTRADICTED
    assert proof.finding == (
        f"key {KEY} is customer managed, Enabled, and its policy lets account {CENTRAL} use it "
        "(kms:Decrypt, kms:CreateGrant)"
    )


def test_an_aws_managed_key_contradicts_not_shared_and_names_what_it_is() -> None:
    # GIVEN the source key is AWS managed
    reads = _member_key("", managed=True)
    # WHEN probed as kms_key_not_shared, then as aws_managed_key
    shared = Probe(reads, Scope())(_subject(Category.KMS_KEY_NOT_SHARED))
    managed = Probe(reads, Scope())(_subject(Category.AWS_MANAGED_KEY))
    # THEN the first is contradicted by the other category's finding, the second confirmed
    assert shared.verdict is Verdict.CONTRADICTED
    assert shared.finding.endswith("(aws_managed_key, not kms_key_not_shared)")
    assert managed.verdict is Verdict.CONFIRMED


def test_a_key_named_in_the_message_is_read_without_listing_recovery_points() -> None:
    # GIVEN a subject that names its key (the message did)
    reads = _member_key(key_policy(MEMBER))
    # WHEN probed
    proof = Probe(reads, Scope())(_subject(Category.KMS_KEY_NOT_SHARED, key_arn=KEY))
    # THEN only the key was read
    assert (proof.verdict, reads.calls) == (Verdict.CONFIRMED, ["key"])


def test_a_refused_read_cannot_check_and_names_the_permission_and_the_role() -> None:
    # GIVEN the member's DoctorRole may not read the key (missing, or denied)
    reads = _member_key(key_policy(MEMBER))
    reads.denied = {"key"}
    # WHEN probed
    proof = Probe(reads, Scope())(_subject(Category.KMS_KEY_NOT_SHARED))
    # THEN it could not check: the error, the read, its permissions and through which role
    assert proof.verdict is Verdict.UNCHECKED
    assert proof.line == (
        "could not check: AccessDenied reading key (kms:DescribeKey, kms:GetKeyPolicy and "
        f"kms:ListAliases through the DoctorRole of {MEMBER})"
    )


def test_a_probe_past_its_budget_answers_at_once_could_not_check() -> None:
    # GIVEN reads slower than the probe's budget
    reads = _member_key(key_policy(MEMBER))
    reads.delay_seconds = 1.0
    seen: list[tuple[str, Verdict, int, float]] = []
    probe = Probe(reads, Scope(probe_timeout_seconds=0.2), observe=lambda *run: seen.append(run))
    # WHEN probed
    started = time.monotonic()
    proof = probe(_subject(Category.KMS_KEY_NOT_SHARED))
    elapsed = time.monotonic() - started
    # THEN it answers within the budget (not after the reads), saying it timed out
    assert elapsed < 0.9
    assert proof.line == "could not check: timed out after 0.2 s"
    [(category, verdict, _, seconds)] = seen
    assert (category, verdict) == (Category.KMS_KEY_NOT_SHARED, Verdict.UNCHECKED)
    assert seconds < 0.9


# ---- the destination vault ---------------------------------------------------------------------


def test_a_vault_policy_without_the_source_account_confirms_vault_access_policy() -> None:
    # GIVEN the central vault's access policy allows no one to copy in
    reads = MemoryProbeReads(vaults={CENTRAL_HOME.arn: _vault(access_policy=None)})
    # WHEN probed
    proof = Probe(reads, Scope())(_subject(Category.VAULT_ACCESS_POLICY))
    # THEN confirmed by sharing.copy_in_refused's words
    assert proof.verdict is Verdict.CONFIRMED
    assert "backup:CopyIntoBackupVault" in proof.finding


def test_a_vault_policy_that_admits_the_organization_contradicts_vault_access_policy() -> None:
    # GIVEN the vault policy allows CopyIntoBackupVault to the organization
    policy = (
        '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": '
        '"backup:CopyIntoBackupVault", "Resource": "*", "Condition": {"StringEquals": '
        '{"aws:PrincipalOrgID": "o-abcdef1234"}}}]}'
    )
    reads = MemoryProbeReads(vaults={CENTRAL_HOME.arn: _vault(access_policy=policy)})
    # WHEN probed THEN contradicted
    proof = Probe(reads, Scope())(_subject(Category.VAULT_ACCESS_POLICY))
    assert proof.verdict is Verdict.CONTRADICTED


def test_a_destination_vault_on_an_aws_managed_key_confirms_default_vault_key() -> None:
    # GIVEN the destination vault is encrypted with aws/backup
    reads = MemoryProbeReads(
        vaults={CENTRAL_HOME.arn: _vault(key_arn="alias/aws/backup", key_aws_managed=True)}
    )
    # WHEN probed THEN confirmed; with a customer managed key, contradicted
    assert Probe(reads, Scope())(_subject(Category.DEFAULT_VAULT_KEY)).verdict is (
        Verdict.CONFIRMED
    )
    reads.vaults[CENTRAL_HOME.arn] = _vault(key_arn=KEY)
    assert Probe(reads, Scope())(_subject(Category.DEFAULT_VAULT_KEY)).verdict is (
        Verdict.CONTRADICTED
    )


def test_a_dr_vault_lock_shorter_than_the_chains_retention_confirms_vault_lock_retention() -> None:
    # GIVEN the DR vault's lock keeps copies at most 30 days; the chain gives them 35
    dr = _vault(DR.arn, region=DR.region, lock_max_retention_days=30)
    reads = MemoryProbeReads(vaults={DR.arn: dr})
    subject = _subject(Category.VAULT_LOCK_RETENTION, destination_vault_arn=DR.arn)
    # WHEN probed THEN confirmed; with the chain's retention inside the range, contradicted
    assert Probe(reads, Scope())(subject).verdict is Verdict.CONFIRMED
    assert Probe(reads, Scope(dr_retention_days=30))(subject).verdict is Verdict.CONTRADICTED


# ---- the organization, the role ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("enabled", "verdict"),
    [(False, Verdict.CONFIRMED), (True, Verdict.CONTRADICTED), (None, Verdict.UNCHECKED)],
)
def test_cross_account_backup_is_read_from_the_global_settings(
    enabled: bool | None, verdict: Verdict
) -> None:
    # GIVEN isCrossAccountBackupEnabled (None: this account may not read it)
    reads = MemoryProbeReads(cross_account=enabled)
    # WHEN probed THEN its verdict follows the setting
    proof = Probe(reads, Scope())(_subject(Category.CROSS_ACCOUNT_DISABLED))
    assert proof.verdict is verdict
    if verdict is Verdict.UNCHECKED:
        assert "backup:DescribeGlobalSettings" in proof.finding


def test_a_missing_role_confirms_iam_role_permissions_and_a_ready_one_contradicts_it() -> None:
    # GIVEN the job's role does not exist
    reads = MemoryProbeReads()
    subject = _subject(Category.IAM_ROLE_PERMISSIONS, kind="BACKUP")
    # WHEN probed THEN confirmed
    assert Probe(reads, Scope())(subject).verdict is Verdict.CONFIRMED
    # GIVEN it exists, trusts AWS Backup and carries the managed policy THEN contradicted
    reads.roles[ROLE] = RoleFacts(
        arn=ROLE,
        exists=True,
        trusts_backup=True,
        managed_policies=["AWSBackupServiceRolePolicyForBackup"],
    )
    assert Probe(reads, Scope())(subject).verdict is Verdict.CONTRADICTED


def test_a_subject_that_names_no_destination_cannot_be_checked() -> None:
    # GIVEN a copy whose event names no destination vault
    subject = _subject(Category.KMS_KEY_NOT_SHARED).model_copy(
        update={"destination_vault_arn": None}
    )
    # WHEN probed THEN it says why it could not check, reading nothing
    reads = MemoryProbeReads()
    proof = Probe(reads, Scope())(subject)
    assert proof.line == "could not check: the job names no copy destination"
    assert reads.calls == []


def test_a_doctor_role_that_refuses_names_the_role_and_what_it_must_do() -> None:
    # GIVEN AWS refuses to let the probe work as the member's DoctorRole
    role = f"arn:aws:iam::{MEMBER}:role/backup-relay-doctor-{HOME}"

    class Refusing(MemoryProbeReads):
        def recovery_point_key(self, account: str, region: str, vault_arn: str, arn: str) -> str:
            raise RoleRefused("AccessDenied", "not authorized to perform: sts:AssumeRole", role)

    # WHEN probed
    proof = Probe(Refusing(), Scope())(_subject(Category.KMS_KEY_NOT_SHARED))
    # THEN it could not check, naming the role and the permission
    assert proof.line == (
        f"could not check: AccessDenied assuming {role} (sts:AssumeRole: the member stack's "
        "DoctorRole must exist and trust this stack's roles)"
    )


# ---- the option groups an RDS snapshot's copy needs in its destination region -----------------

SNAPSHOT = f"arn:aws:rds:{HOME}:{CENTRAL}:snapshot:awsbackup:job-1"


def _options(*names: str, name: str = "billing-options") -> OptionGroupFacts:
    return OptionGroupFacts(name=name, engine="oracle-ee", major_version="19", options=list(names))


def _dr_hop(snapshot: str = SNAPSHOT) -> ProbeSubject:
    """A chain's DR hop of an RDS snapshot, diagnosed option_group_missing."""
    return _subject(
        Category.OPTION_GROUP_MISSING,
        account=CENTRAL,
        recovery_point_arn=snapshot,
        source_vault_arn=CENTRAL_HOME.arn,
        destination_vault_arn=DR.arn,
        resource_type="RDS",
    )


def test_options_missing_in_the_destination_region_confirm_option_group_missing() -> None:
    # GIVEN an RDS snapshot whose option group has APEX, and no group with it in the DR region
    reads = MemoryProbeReads(
        snapshots={SNAPSHOT: _options("APEX")},
        option_groups_of={(CENTRAL, DR.region): [_options("OEM", name="dr-other")]},
    )
    # WHEN probed
    proof = Probe(reads, Scope())(_dr_hop())
    # THEN the doctor's rule confirms it, naming the engine, version and options
    assert proof.verdict is Verdict.CONFIRMED
    assert proof.finding.startswith(f"no option group of oracle-ee 19 in {DR.region} has APEX")
    assert reads.calls == ["snapshot_option_group", "option_groups"]
    # AND once a group of that engine and version has APEX there, it contradicts it
    reads.option_groups_of[CENTRAL, DR.region].append(_options("APEX", "OEM", name="dr"))
    proof = Probe(reads, Scope())(_dr_hop())
    assert proof.verdict is Verdict.CONTRADICTED
    assert proof.finding == (
        f"an option group of oracle-ee 19 in account {CENTRAL}, region {DR.region} has APEX"
    )


def test_a_group_of_another_major_version_does_not_count() -> None:
    # GIVEN APEX in the DR region only in an oracle-ee 21 group
    other = _options("APEX", name="dr-21").model_copy(update={"major_version": "21"})
    reads = MemoryProbeReads(
        snapshots={SNAPSHOT: _options("APEX")}, option_groups_of={(CENTRAL, DR.region): [other]}
    )
    # THEN still confirmed
    assert Probe(reads, Scope())(_dr_hop()).verdict is Verdict.CONFIRMED


def test_a_cluster_snapshot_or_one_without_options_contradicts_option_group_missing() -> None:
    # GIVEN an Aurora cluster snapshot (no option group), and an RDS snapshot without options
    reads = MemoryProbeReads(snapshots={SNAPSHOT: _options()})
    cluster = Probe(reads, Scope())(_dr_hop(POINT))
    plain = Probe(reads, Scope())(_dr_hop())
    # THEN both contradict the diagnosis, saying why
    assert cluster.line == (
        f"contradicted: {POINT} is not an RDS DB instance snapshot: only those keep an option group"
    )
    assert plain.line == f"contradicted: snapshot {SNAPSHOT} keeps no option group with options"


def test_a_snapshot_the_probe_may_not_describe_cannot_be_checked() -> None:
    # GIVEN DescribeDBSnapshots refused
    reads = MemoryProbeReads(denied={"snapshot_option_group"})
    # THEN it could not check, naming the permissions it needs
    assert Probe(reads, Scope())(_dr_hop()).line == (
        "could not check: AccessDenied reading snapshot_option_group "
        "(rds:DescribeDBSnapshots and rds:DescribeOptionGroups)"
    )
