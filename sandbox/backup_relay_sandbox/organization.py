"""The sandbox organization: accounts, vaults, keys and resources in the AWS Backup simulator,
the real central and member stacks deployed around them, and a loop that lets time pass.

Time has two clocks here. AWS Backup's jobs run on the simulator's virtual clock; Step
Functions executions and their task timeouts run in real seconds in moto's threads. `settle()`
alternates: deliver what is queued (ingest), let the executions run until they go quiet, then
move the virtual clock on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from backup_relay.adapters import ledger_schema
from backup_relay.domain import resource_types as registry
from backup_relay_sandbox import functions
from backup_relay_sandbox.backup_sim import CreatedBy, Simulator, simulator
from backup_relay_sandbox.backup_sim.faults import Delivery
from backup_relay_sandbox.backup_sim.model import CopyJob, JobState
from backup_relay_sandbox.central import (
    CentralStack,
    Queue,
    deploy_central,
    received_alerts,
    subscribe_inbox,
)
from backup_relay_sandbox.cloud import (
    CENTRAL_ACCOUNT,
    DR_REGION,
    MEMBER_ACCOUNTS,
    ORGANIZATION_ID,
    REGION,
    client,
    reset,
)
from backup_relay_sandbox.databases import create_database, create_organization
from backup_relay_sandbox.event_source import drain
from backup_relay_sandbox.member import (
    MemberStack,
    attach_aws_managed_policy,
    create_service_linked_role,
    deploy_member,
    deploy_vaults,
)
from backup_relay_sandbox.seeds import seed
from backup_relay_sandbox.status_events import announce_ended, rule_pattern

CENTRAL_VAULT = "backup-relay-central"
DR_VAULT = "backup-relay-dr"
LAG_VAULT = "backup-relay-lag"  # the DR region's vaults stack's LagVault (`lag_destination`)
MEMBER_VAULT = "member-vault"
BACKUP_ROLE = "service-role/AWSBackupDefaultServiceRole"
#: The types whose resources are databases (the resource types registry's, in its order).
DATABASE_TYPES = tuple(t.name for t in registry.REGISTRY.databases())
#: States of the copy chain in which an execution waits for AWS Backup's virtual time.
PARKED_STATES = frozenset({"WaitForCopyJob", "TakeSlot"})


def vault_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:backup:{region}:{account}:backup-vault:{name}"


CENTRAL_VAULT_ARN = vault_arn(CENTRAL_ACCOUNT, REGION, CENTRAL_VAULT)
DR_VAULT_ARN = vault_arn(CENTRAL_ACCOUNT, DR_REGION, DR_VAULT)
LAG_VAULT_ARN = vault_arn(CENTRAL_ACCOUNT, DR_REGION, LAG_VAULT)
LAG_DESTINATION = f"lag:{DR_REGION}:{LAG_VAULT}"  # AdditionalDestinations', status's label


def current_state(execution_arn: str) -> str | None:
    """The state an execution is in, read from moto's interpreter (its history would be far
    slower: a slot wait adds events every second)."""
    _, _, _, region, account, _ = execution_arn.split(":", 5)
    backend: Any = stepfunctions_parser_backends[account][region]  # the interpreter's own types
    for machine in backend.state_machines:
        for execution in machine.executions:
            worker = execution.exec_worker
            if execution.exec_arn == execution_arn and worker is not None and worker.env:
                state = worker.env.program_state()
                return getattr(state, "next_state_name", None) if state else None
    return None


def _backup_role(account: str) -> None:
    """The role backup plans and the chain pass to AWS Backup (BackupRoleName), as the AWS
    Backup console creates it on first use."""
    path, name = BACKUP_ROLE.rsplit("/", 1)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "backup.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    client("iam", REGION, account).create_role(
        Path=f"/{path}/", RoleName=name, AssumeRolePolicyDocument=json.dumps(trust)
    )
    for policy in ("ForBackup", "ForRestores"):  # the console's, as it creates the role
        arn = f"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicy{policy}"
        attach_aws_managed_policy(account, name, arn)
    create_service_linked_role(account)  # AWS Backup creates it on first use, as the role


def _resource_arn(resource_type: str, account: str, region: str, name: str) -> str:
    if resource_type == "RDS":
        return f"arn:aws:rds:{region}:{account}:db:{name}"
    if resource_type == "EBS":
        return f"arn:aws:ec2:{region}:{account}:volume/vol-{abs(hash(name)) % 16**17:017x}"
    return f"arn:aws:rds:{region}:{account}:cluster:{name}"  # Aurora, DocumentDB, Neptune


@dataclass
class Organization:
    sim: Simulator
    central: CentralStack
    members: dict[str, MemberStack]
    resources: dict[tuple[str, str], str] = field(default_factory=dict)  # (account, type) -> ARN
    plans: dict[str, CreatedBy] = field(default_factory=dict)  # member -> its backup plan's rule
    inbox: Queue | None = None  # an operator's SQS subscription to the Alerts topic
    announced: set[str] = field(default_factory=set)  # executions whose end was announced
    alerts_read: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        *,
        members: Iterable[str] = MEMBER_ACCOUNTS,
        resource_types: Iterable[str] = (*DATABASE_TYPES, "EBS"),
        wait_timeout_seconds: int = 30,
        seeds: Iterable[str] = (),
        lag_destination: bool = False,
        dr_events_forwarded: bool = True,
        **parameters: str,
    ) -> Organization:
        """Inside an active moto mock. `parameters`: template parameters to override; `seeds`:
        misconfigurations of the first member to make (seeds.SEEDS' names); `lag_destination`:
        the DR region's LAG vault, every chained copy's second destination (an RDS instance's:
        no route); `dr_events_forwarded`: the DR region's copy job events reach the stack."""
        reset()
        functions.clear_faults()
        sim = simulator()
        # the years before single-action copies: RDS-family types must be copied in two hops
        sim.settings.single_action_copy_types.clear()
        members = tuple(members)
        create_organization(CENTRAL_ACCOUNT, ORGANIZATION_ID, members, backup_policies=True)
        deploy_vaults(REGION)  # the vaults stack, in the region and the DR region
        lag = {"LagVaultName": LAG_VAULT} if lag_destination else {}
        deploy_vaults(DR_REGION, **lag, DrEventsHomeRegion=REGION if dr_events_forwarded else "")
        if lag_destination:
            parameters = {"AdditionalDestinations": LAG_DESTINATION, **parameters}
        organization = cls(
            sim=sim,
            central=deploy_central(
                allowed_source_accounts="",
                CentralVaultName=CENTRAL_VAULT,
                DrRegion=DR_REGION,
                DrVaultName=DR_VAULT,
                BackupRoleName=BACKUP_ROLE,
                CopyWaitTimeoutSeconds=str(wait_timeout_seconds),
                DrEventsForwarded=str(dr_events_forwarded).lower(),
                **parameters,
            ),
            members={},
        )
        organization.inbox = subscribe_inbox(organization.central)
        for account in (CENTRAL_ACCOUNT, *members):
            _backup_role(account)
        for account in members:
            key = sim.create_key(account, REGION, grant_accounts=[CENTRAL_ACCOUNT])
            # its vault and its plan, copying into the central vault: the member stack's
            organization.members[account] = deploy_member(account, with_backup_plan=MEMBER_VAULT)
            for resource_type in resource_types:
                name = f"{resource_type.lower()}-{account[-4:]}"
                organization._register(
                    account, resource_type, name, key, tags={"backup": "enabled"}
                )
        for name in seeds:
            seed(organization, name)
        return organization

    def add_resource(
        self,
        account: str,
        resource_type: str,
        name: str,
        *,
        key_shared_with: tuple[str, ...] = (CENTRAL_ACCOUNT,),
        option_groups: tuple[str, ...] = (),
        tags: dict[str, str] | None = None,
    ) -> tuple[str, str]:
        """A resource of `account` that its plan backs up instead of the one `build` made, on a
        key of its own shared with `key_shared_with` (none: its copies out of the account fail,
        "KMS key not shared"), with the RDS options a copy needs in its destination region,
        tagged `tags` (default: backup=enabled). Returns its ARN and its key's."""
        tags = {"backup": "enabled"} if tags is None else tags
        key = self.sim.create_key(account, REGION, grant_accounts=key_shared_with)
        arn = self._register(
            account, resource_type, name, key, tags=tags, option_groups=option_groups
        )
        return arn, key

    def _register(
        self,
        account: str,
        resource_type: str,
        name: str,
        key: str,
        *,
        tags: dict[str, str],
        option_groups: tuple[str, ...] = (),
    ) -> str:
        """The resource in moto's RDS (for a database: what the doctor reads) and in AWS
        Backup (what its plan backs up)."""
        arn = create_database(
            account, REGION, resource_type, name, key_arn=key, tags=tags, options=option_groups
        ) or _resource_arn(resource_type, account, REGION, name)
        self.sim.register_resource(
            account, REGION, resource_type, arn, key, option_groups=option_groups
        )
        self.resources[(account, resource_type)] = arn
        return arn

    # ---- what AWS Backup does on its own (backup plans) ----------------------------------------

    def backup(self, account: str, resource_type: str) -> str:
        """A backup job that the member's backup plan starts in the member vault; returns the
        recovery point it will create. A plan starts its jobs inside AWS Backup, not through
        the API, so they carry the plan's `createdBy` (as the documented examples of plan jobs
        do)."""
        with self.sim.lock:
            job = self.sim.start_backup_job(
                account,
                REGION,
                vault_name=MEMBER_VAULT,
                resource_arn=self.resources[(account, resource_type)],
                iam_role_arn=f"arn:aws:iam::{account}:role/{BACKUP_ROLE}",
                created_by=self.plan(account),
            )
        return job.recovery_point_arn

    def plan_copy(self, account: str, recovery_point_arn: str, destination_vault_arn: str) -> str:
        """The copy action of the same plan's rule, run in the member account."""
        with self.sim.lock:
            job = self.sim.start_copy_job(
                account,
                REGION,
                recovery_point_arn=recovery_point_arn,
                source_vault_name=MEMBER_VAULT,
                destination_vault_arn=destination_vault_arn,
                iam_role_arn=f"arn:aws:iam::{account}:role/{BACKUP_ROLE}",
                created_by=self.plan(account),
            )
        return job.job_id

    def plan(self, account: str) -> CreatedBy:
        """The member's backup plan and its rule (one per member account, made on first use)."""
        if account not in self.plans:
            self.plans[account] = self.sim.plan(account, REGION)
        return self.plans[account]

    def backup_client(self, account: str, region: str = REGION) -> Any:
        return client("backup", region, account)

    # ---- letting time pass ---------------------------------------------------------------------

    def settle(
        self,
        *,
        step: timedelta = timedelta(minutes=5),
        max_steps: int = 400,
        quiet: float = 0.05,
        on_step: Callable[[], None] = lambda: None,
        while_executions_wait: bool = False,
    ) -> int:
        """Run until AWS Backup is idle, the queue is empty and no execution runs (or, with
        `while_executions_wait`, until every running one waits for an event that will not come);
        returns the number of clock steps taken. `on_step` runs after each round of deliveries."""
        for steps in range(max_steps):
            self.deliver()
            self._wait_until_quiet(quiet)
            self.deliver()
            on_step()
            running = self.running_executions()
            waiting = all(current_state(arn) == "WaitForCopyJob" for arn in running)
            if not self.sim.clock.pending and (not running or (while_executions_wait and waiting)):
                return steps
            self.sim.advance(step)
        raise TimeoutError(f"still busy after {max_steps} steps of {step}")

    def wait_for(self, condition: Callable[[], bool], timeout: float = 20.0) -> None:
        """Until `condition()` holds (a task an execution entered may still be running)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"still not true after {timeout} s: {condition}")
            time.sleep(0.02)

    def deliver(self) -> None:
        """What AWS delivers on its own: the ingest queue to ingest, the end of an execution to
        ChainEndedFunction (its rule), the alerts queue to AlertsFunction."""
        sqs, functions = client("sqs"), self.central.functions
        drain(sqs, self.central.ingest_queue, self.central.ingest, region=REGION)
        announce_ended(
            self.state_machine_arn,
            rule_pattern(self.central.stack.template, self.central.stack.values),
            functions["ChainEndedFunction"],
            self.announced,
            account=CENTRAL_ACCOUNT,
            region=REGION,
        )
        drain(sqs, self.central.alerts_queue, functions["AlertsFunction"], region=REGION)

    def alerts(self) -> list[dict[str, Any]]:
        """Every alert published so far, as the operator's SQS subscription received them."""
        assert self.inbox is not None
        self.alerts_read += received_alerts(self.inbox, REGION)
        return list(self.alerts_read)

    def _wait_until_quiet(self, quiet: float, timeout: float = 20.0) -> None:
        """Until every running execution waits on AWS Backup: for its copy job's end, or for a
        concurrency slot (which only a copy job's end frees). Only then may the clock move."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(quiet)
            if all(self._parked(arn) for arn in self.running_executions()):
                return

    def _parked(self, execution_arn: str) -> bool:
        return current_state(execution_arn) in PARKED_STATES

    # ---- what the chain did ------------------------------------------------------------------

    @property
    def state_machine_arn(self) -> str:
        return self.central.state_machines["CopyChainStateMachine"]

    def executions(self) -> list[dict[str, Any]]:
        answer = client("stepfunctions").list_executions(stateMachineArn=self.state_machine_arn)
        executions: list[dict[str, Any]] = answer["executions"]
        return executions

    def running_executions(self) -> list[str]:
        return [e["executionArn"] for e in self.executions() if e["status"] == "RUNNING"]

    def execution(self, name: str) -> dict[str, Any]:
        arn = f"{self.state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"
        answer: dict[str, Any] = client("stepfunctions").describe_execution(executionArn=arn)
        return answer

    def copy_jobs(self, *, to_vault: str | None = None) -> list[CopyJob]:
        return [
            job
            for job in self.sim.copy_jobs.values()
            if to_vault is None or job.destination_vault_arn == to_vault
        ]

    def completed_copies_into(self, vault: str) -> list[CopyJob]:
        return [job for job in self.copy_jobs(to_vault=vault) if job.state is JobState.COMPLETED]

    def ledger_item(self, pk: str, sk: str) -> dict[str, str] | None:
        item = (
            client("dynamodb")
            .get_item(
                TableName=self.central.tables["LedgerTable"],
                Key={"pk": {"S": pk}, "sk": {"S": sk}},
            )
            .get("Item")
        )
        return {key: next(iter(value.values())) for key, value in item.items()} if item else None

    def chain_record(self, chain_id: str) -> dict[str, str] | None:
        key = ledger_schema.chain(chain_id)
        return self.ledger_item(key["pk"], key["sk"])

    def hops(self, chain_id: str) -> list[dict[str, Any]]:
        record = self.chain_record(chain_id)
        return json.loads(record["hops"]) if record else []


def lose_the_chains_completions(org: Organization) -> None:
    """AWS never delivers the COMPLETED events of the chain's own copy jobs (its waits time out
    and its hops poll)."""
    deliver = org.sim.faults.delivery

    def delivery(job_id: str, state: str) -> Delivery:
        job = org.sim.copy_jobs.get(job_id)
        if job is not None and job.account == CENTRAL_ACCOUNT and state == "COMPLETED":
            return Delivery.LOSE
        return deliver(job_id, state)

    org.sim.faults.delivery = delivery  # type: ignore[method-assign]
