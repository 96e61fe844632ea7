"""The states status asks the ledger for, per data job, are AWS's own: botocore's backup model."""

from __future__ import annotations

import botocore.session

from backup_relay.domain.jobs import DATA_JOB_STATES


def test_the_data_job_states_are_the_union_of_aws_s_job_state_enums() -> None:
    # GIVEN AWS Backup's model of backup, copy and restore job states
    model = botocore.session.get_session().get_service_model("backup")
    enums = ("BackupJobState", "CopyJobState", "RestoreJobStatus")
    aws = {state for name in enums for state in model.shape_for(name).enum}
    # THEN status queries exactly those (scans' and indexes' states are not a job's)
    assert {str(state) for state in DATA_JOB_STATES} == aws
