"""The AWS Backup adapters against the simulator: every page read, the window asked of AWS."""

from __future__ import annotations

from datetime import timedelta

import botocore.session

from backup_relay.adapters import aws
from backup_relay.adapters.backup import BackupCopyJobs, BackupRecoveryPoints
from backup_relay.domain.aws_categories import DOCUMENTED
from backup_relay.domain.routes import Vault
from backup_relay_sandbox.backup_sim import simulator
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, REGION

VAULT = Vault(account=CENTRAL_ACCOUNT, region=REGION, name="central")
DB = f"arn:aws:rds:{REGION}:{CENTRAL_ACCOUNT}:cluster:orders"


def test_recovery_points_in_a_vault_are_read_across_pages_from_the_window(moto: None) -> None:
    # GIVEN a vault with 4 recovery points from two days ago and 7 from today (pages of 3)
    aws.reset()
    sim = simulator()
    vault_arn = sim.create_vault(
        CENTRAL_ACCOUNT, REGION, VAULT.name, sim.create_key(CENTRAL_ACCOUNT, REGION)
    )
    sim.register_resource(CENTRAL_ACCOUNT, REGION, "Aurora", DB, None)
    old = [sim.put_recovery_point(vault_arn, DB) for _ in range(4)]
    sim.advance(timedelta(days=2))
    window_starts = sim.now - timedelta(hours=1)
    recent = [sim.put_recovery_point(vault_arn, DB) for _ in range(7)]
    assert sim.settings.page_size == 3
    # WHEN the adapter lists the vault from an hour ago
    listed = BackupRecoveryPoints().in_vault(VAULT, created_after=window_starts)
    # THEN it followed every page and AWS left the older points out
    assert sorted(point.arn for point in listed) == sorted(recent)
    assert not set(old) & {point.arn for point in listed}


def test_failed_copy_jobs_asks_only_for_states_a_copy_job_has(moto: None) -> None:
    # GIVEN a copy job of the central account that failed (its destination vault is missing),
    # and a record of every ByState the adapter sends
    aws.reset()
    sim = simulator()
    vault_arn = sim.create_vault(
        CENTRAL_ACCOUNT, REGION, VAULT.name, sim.create_key(CENTRAL_ACCOUNT, REGION)
    )
    sim.register_resource(CENTRAL_ACCOUNT, REGION, "Aurora", DB, None)
    point = sim.put_recovery_point(vault_arn, DB)
    since = sim.now - timedelta(minutes=1)
    job = sim.start_copy_job(
        CENTRAL_ACCOUNT,
        REGION,
        recovery_point_arn=point,
        source_vault_name=VAULT.name,
        destination_vault_arn=f"arn:aws:backup:us-east-1:{CENTRAL_ACCOUNT}:backup-vault:gone",
        iam_role_arn=f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/backup",
    )
    sim.run_until_idle()
    sent: list[str] = []
    aws.backup(REGION).meta.events.register(
        "provide-client-params.backup.ListCopyJobs",
        lambda params, **_: sent.append(params.get("ByState")),
    )
    # WHEN replay's search for lost failures lists them
    failed = BackupCopyJobs().failed_copy_jobs(REGION, since)
    # THEN it finds the failed job, and asked only for states botocore's CopyJobState has
    # (ABORTED is a backup job state: AWS refuses it for copy jobs)
    assert [listed.copy_job_id for listed in failed] == [job.job_id]
    states = botocore.session.get_session().get_service_model("backup").shape_for("CopyJobState")
    assert sent
    assert set(sent) <= set(states.enum)


def test_a_copy_jobs_report_carries_awss_message_category(moto: None) -> None:
    # GIVEN a copy job the simulator fails (its destination vault is missing)
    aws.reset()
    sim = simulator()
    vault_arn = sim.create_vault(
        CENTRAL_ACCOUNT, REGION, VAULT.name, sim.create_key(CENTRAL_ACCOUNT, REGION)
    )
    sim.register_resource(CENTRAL_ACCOUNT, REGION, "Aurora", DB, None)
    point = sim.put_recovery_point(vault_arn, DB)
    job = sim.start_copy_job(
        CENTRAL_ACCOUNT,
        REGION,
        recovery_point_arn=point,
        source_vault_name=VAULT.name,
        destination_vault_arn=f"arn:aws:backup:us-east-1:{CENTRAL_ACCOUNT}:backup-vault:gone",
        iam_role_arn=f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/backup",
    )
    sim.run_until_idle()
    # WHEN the chain asks AWS Backup how the job ended (DescribeCopyJob)
    report = BackupCopyJobs().describe_copy_job(REGION, job.job_id)
    # THEN the report keeps AWS's MessageCategory, one of the values AWS documents
    assert report.state == "FAILED"
    assert report.message_category in DOCUMENTED
    assert report.message_category != "SUCCESS"


def test_the_simulators_message_categories_are_the_ones_aws_documents() -> None:
    # GIVEN every MessageCategory the simulator gives a job (failures.py, lifecycle.py)
    from backup_relay_sandbox.backup_sim import failures, lifecycle

    given = {failures.ACCESS_DENIED, failures.INVALID_PARAMETERS, lifecycle.SUCCESS}
    # THEN each is a value AWS's API reference names (domain/aws_categories.py cites it)
    assert given <= set(DOCUMENTED)


def test_a_listed_failed_copy_job_carries_awss_message_category(moto: None) -> None:
    # GIVEN a copy job of the central account that the simulator fails (its destination vault is
    # missing), with a MessageCategory in its ListCopyJobs entry
    aws.reset()
    sim = simulator()
    vault_arn = sim.create_vault(
        CENTRAL_ACCOUNT, REGION, VAULT.name, sim.create_key(CENTRAL_ACCOUNT, REGION)
    )
    sim.register_resource(CENTRAL_ACCOUNT, REGION, "Aurora", DB, None)
    point = sim.put_recovery_point(vault_arn, DB)
    since = sim.now - timedelta(minutes=1)
    job = sim.start_copy_job(
        CENTRAL_ACCOUNT,
        REGION,
        recovery_point_arn=point,
        source_vault_name=VAULT.name,
        destination_vault_arn=f"arn:aws:backup:us-east-1:{CENTRAL_ACCOUNT}:backup-vault:gone",
        iam_role_arn=f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/backup",
    )
    sim.run_until_idle()
    # WHEN replay lists the failed copy jobs (ListCopyJobs)
    [listed] = BackupCopyJobs().failed_copy_jobs(REGION, since)
    # THEN the listed job keeps AWS's MessageCategory, as DescribeCopyJob gives it
    described = BackupCopyJobs().describe_copy_job(REGION, job.job_id)
    assert listed.copy_job_id == job.job_id
    assert listed.message_category == described.message_category
    assert listed.message_category in DOCUMENTED
    assert listed.message_category != "SUCCESS"
