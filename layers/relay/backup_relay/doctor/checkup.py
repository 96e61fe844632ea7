"""The checkup: gather the facts (the central account, then each member and region), apply
every rule, and report what was checked, what was skipped and what was found."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from backup_relay.doctor.central import CENTRAL_RULES
from backup_relay.doctor.delegation import delegated_administrators_may_manage_backup_policies
from backup_relay.doctor.destinations import DESTINATION_RULES
from backup_relay.doctor.facts import CentralFacts, MemberFacts
from backup_relay.doctor.features import FEATURE_RULES, features_checked
from backup_relay.doctor.member_vaults import MEMBER_VAULT_RULES
from backup_relay.doctor.members import MEMBER_RULES, dr_region_has_the_option_groups
from backup_relay.doctor.organization_coverage import (
    management_opts_in_the_selected_types,
    member_opt_ins_checked,
    member_opts_in_its_selected_types,
    organization_checked,
)
from backup_relay.doctor.ports import MemberPrerequisites, Prerequisites
from backup_relay.doctor.replay_trust import ON_DEMAND_RULES
from backup_relay.doctor.report import DoctorReport, Finding
from backup_relay.doctor.resources import RESOURCE_RULES, coverage_checked
from backup_relay.doctor.roles import CENTRAL_ROLE_RULES, ROLE_RULES
from backup_relay.doctor.storage_types import STORAGE_RULES
from backup_relay.domain.categories import Category
from backup_relay.domain.errors import AwsError
from backup_relay.domain.failures import Severity

Progress = Callable[[int, int, str], None]  # (done, total, what is being checked)


@dataclass
class Doctor:
    prerequisites: Prerequisites
    members: MemberPrerequisites | None = None  # through each member stack's DoctorRole
    member_accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # where members are checked

    def __call__(self, progress: Progress | None = None) -> DoctorReport:
        progress = progress or (lambda done, total, what: None)
        total = 1 + (len(self.member_accounts) * len(self.regions) if self.members else 0)
        progress(0, total, f"central account {self.prerequisites.account}")
        facts = self.prerequisites.central()
        report = DoctorReport()
        self._check_central(facts, report)
        for rule in (
            *CENTRAL_RULES,
            *CENTRAL_ROLE_RULES,
            *DESTINATION_RULES,
            *FEATURE_RULES,
            delegated_administrators_may_manage_backup_policies,
        ):
            report.add(rule(facts))
        members: list[MemberFacts] = []
        done = 1
        for account in self.member_accounts if self.members is not None else ():
            for region in self.regions:
                progress(done, total, f"member {account} {region}")
                done += 1
                try:
                    member = self.members.member(account, region)  # type: ignore[union-attr]
                except AwsError as error:
                    report.add([_unreachable(account, region, error)])
                    continue
                members.append(member)
                self._check_member(member, report)
                for member_rule in (
                    *MEMBER_RULES,
                    *RESOURCE_RULES,
                    *STORAGE_RULES,
                    *ROLE_RULES,
                    *MEMBER_VAULT_RULES,
                    *ON_DEMAND_RULES,
                    member_opts_in_its_selected_types,
                ):
                    report.add(member_rule(member, facts))
        report.add(dr_region_has_the_option_groups(facts, members))
        report.add(management_opts_in_the_selected_types(facts, members))
        progress(total, total, "done")
        return report

    @staticmethod
    def _check_central(facts: CentralFacts, report: DoctorReport) -> None:
        for vault in facts.vaults:
            report.check(
                vault.account, vault.region, f"{vault.role} vault {vault.arn}: exists, key, policy"
            )
        for destination in facts.destinations:
            vault = destination.vault
            shared = (
                ", its AWS RAM shares"
                if destination.shares
                else ", shared through AWS RAM with no one (members cannot restore from it)"
                if destination.shares == [] and vault.exists
                else ""
            )
            report.check(
                vault.account,
                vault.region,
                f"destination {destination.label}: exists, type{shared}",
            )
        report.check(facts.account, "-", "backup role " + facts.backup_role_arn)
        if facts.backup_role_exists and facts.backup_role_policies is None:
            report.skipped.append(
                f"the policies of the backup role {facts.backup_role_arn}: could not read them "
                "(iam:ListAttachedRolePolicies, iam:ListRolePolicies)"
            )
        org = facts.organization
        readable = {
            "cross-account backup": facts.cross_account_backup,
            "organization membership": org.organization_id,
            "AWS Backup trusted access": org.backup_trusted_access,
            "backup policies": org.backup_policies_enabled,
            "delegated administrator": org.delegated_administrators,
        }
        for what, value in readable.items():
            if value is None:
                report.skipped.append(
                    f"{what}: not readable from account {facts.account} (only the management "
                    "account or AWS Backup's delegated administrator may read it)"
                )
            else:
                report.check(facts.account, "-", what)
        if org.management_dynamodb_advanced_features is not None:
            report.check(facts.account, "-", "management account's DynamoDB advanced features")
        elif org.backup_policies_enabled is not False:
            report.skipped.append(
                "DynamoDB advanced features of the management account (they decide for the "
                f"plans backup policies make): not readable from account {facts.account} (run "
                "the doctor as the management account, with backup:DescribeRegionSettings)"
            )
        if facts.service_linked_role is not None:
            report.check(facts.account, "-", "AWSServiceRoleForBackup")
        checked, skipped = organization_checked(facts)
        report.check(facts.account, "-", *checked)
        report.skipped += skipped
        if facts.stack is not None:
            report.check(facts.account, "-", f"event bus {facts.stack.bus_name}: policy, rules")
        if facts.dr_region and facts.dr_option_groups is not None:
            report.check(facts.account, facts.dr_region, "RDS option groups for the DR hop")
        features_checked(facts, report)

    @staticmethod
    def _check_member(member: MemberFacts, report: DoctorReport) -> None:
        report.check(
            member.account,
            member.region,
            f"keys of {len(member.recovery_points)} recovery points",
        )
        optional = {
            "backup plans' copy actions": member.plan_copies,
            "forwarding rule": member.forwarding_rules,
            "databases' backup tags": member.resources,
        }
        for what, value in optional.items():
            if value is not None:
                report.check(member.account, member.region, what)
        if member.replay_role is not None:
            report.check(member.account, member.region, "ReplayRole's trust (OnDemandBackupsToDr)")
        if member.dynamodb_advanced_features is not None:
            report.check(member.account, member.region, "DynamoDB advanced features")
        checked, skipped = coverage_checked(member)
        opt_ins_checked, opt_ins_skipped = member_opt_ins_checked(member)
        report.check(member.account, member.region, *checked, *opt_ins_checked)
        report.skipped += [s for s in skipped + opt_ins_skipped if s not in report.skipped]


def _unreachable(account: str, region: str, error: AwsError) -> Finding:
    return Finding(
        severity=Severity.ERROR,
        category=Category.IAM_ROLE_PERMISSIONS,
        account=account,
        region=region,
        resource="member stack's DoctorRole",
        problem=f"could not check the member account: {error}",
        fix="deploy the member stack in this account and region (its DoctorRole trusts the "
        "central account's doctor principals), or leave the account out of --account",
    )
