"""normalize(): every documented AWS Backup job event, and every way an input can be wrong."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from backup_relay.collect.normalize import extract, normalize, normalize_json
from backup_relay.domain.errors import InvalidJobEvent
from backup_relay.domain.jobs import JobState, moves_job_forward
from tests.support.events import JOB_EVENT_FILES, OTHER_EVENT_FILES, documented, envelope_of
from tests.support.strategies import deep_json, nested

VAULT = "arn:aws:backup:us-west-2:1112233445566:backup-vault:"
RP = "arn:aws:backup:us-west-2:1112233445566:recovery-point:"
ROLE = "arn:aws:iam::1112233445566:role/"
GENERIC_RESOURCE = "arn:aws:service:us-west-2:1112233445566:resource-type/resource-id"

SCANNED = RP + "abcd1234-5678-abcd-9012-abcdef123456"
SCAN: dict[str, Any] = dict(
    kind="SCAN",
    job_id="4d5fc12e-7e33-4336-a981-bbe43c300298",
    resource_arn="arn:aws:ec2:us-west-2:1112233445566:instance/i-0515aee7de03f58e1",
    resource_type="EC2",
    source_recovery_point_arn=SCANNED,
    source_vault_arn=VAULT + "9ab3e749-82c6-4342-9320-5edbf4918b86",
    iam_role_arn=ROLE + "RoleForEc2BackupWithNoDescribeTagsPermissions",
)
INDEX: dict[str, Any] = dict(
    kind="INDEX",
    job_id=None,  # an index has no job id: job_key names its recovery point
    resource_arn="arn:aws:ec2:us-west-2:1112233445566:volume/vol-01234567890abcdef",
    resource_type="EBS",
    source_recovery_point_arn=SCANNED,
    source_vault_arn="arn:aws:cryo:us-west-2:1112233445566:pod/backup-pod-12345",
    iam_role_arn=ROLE + "BackupIndexRole",
)

# Per documented file: the fields that differ between events. Every other field is asserted
# None below, so this table is the whole expected JobEvent (plus account, region, time, event_id).
EXPECTED: dict[str, dict[str, Any]] = {
    "backup_job_aborted.json": dict(
        kind="BACKUP",
        job_id="58cdef95-7680-4c74-80d5-1b64093999c8",
        state="ABORTED",
        status_message="Backup job was stopped by user.",
        resource_arn=GENERIC_RESOURCE,
        resource_type="type",
        destination_vault_arn=VAULT + "f59bffcd-2538-4bbe-8343-1c60dae27c27",
        iam_role_arn=ROLE + "MockRCBackupTestRole",
    ),
    "backup_job_completed.json": dict(
        kind="BACKUP",
        job_id="a827233a-d405-4a86-a440-759fa94f34dd",
        state="COMPLETED",
        resource_arn=GENERIC_RESOURCE,
        resource_type="type",
        destination_recovery_point_arn=RP + "f1d966fe-a3bd-410b-b292-99f442d13b56",
        destination_vault_arn=VAULT + "9732c1b4-1091-472a-9d9f-52e0565ee39a",
        size_bytes=36048,
        iam_role_arn=ROLE + "MockRCBackupTestRole",
    ),
    "backup_job_created.json": dict(
        kind="BACKUP",
        job_id="7e8845b5-ca30-415f-a842-e0152bf4d0ca",
        state="CREATED",
    ),
    "backup_job_expired.json": dict(
        kind="BACKUP",
        job_id="01EE26DC-7107-4D8E-0C54-EAC27C662BA4",
        state="EXPIRED",
        status_message="Backup job failed because there was a running job for the same resource.",
        resource_arn=GENERIC_RESOURCE,
        resource_type="type",
        destination_vault_arn=VAULT + "aws/backup/AutomatedBackupVaultDel2",
        iam_role_arn=ROLE + "MockRCBackupTestRole",
        backup_plan_arn="arn:aws:backup:us-west-2:1112233445566:backup-plan:aws/efs/414a5bd4-f880-47ad-95f3-f085108a4c3b",
    ),
    "backup_job_failed.json": dict(
        kind="BACKUP",
        job_id="34176239-e96d-4e1d-9fad-529dbb3c3556",
        state="FAILED",
        status_message="Backup job failed because backup vault "
        + VAULT
        + "9ab3e749-82c6-4342-9320-5edbf4918b86 does not exist.",
        resource_arn=GENERIC_RESOURCE,
        resource_type="type",
        destination_vault_arn=VAULT + "9ab3e749-82c6-4342-9320-5edbf4918b86",
        iam_role_arn=ROLE + "MockRCBackupTestRole",
    ),
    "backup_job_pending.json": dict(
        kind="BACKUP",
        job_id="2cffdb68-d6ed-485f-9f9b-8b530749f1c2",
        state="PENDING",
        resource_arn=GENERIC_RESOURCE,
        resource_type="type",
        destination_vault_arn=VAULT + "ed1f2661-5587-48bf-8a98-fadb977bf975",
        iam_role_arn=ROLE + "MockRCBackupTestRole",
    ),
    "backup_job_running.json": dict(
        kind="BACKUP",
        job_id="B6EC38D2-CB3C-EF0A-F5A4-3CF324EF4945",
        state="RUNNING",
        resource_arn="arn:aws:ec2:us-west-2:1112233445566:volume/vol-0b5ae24f2ee72d926",
        resource_type="EBS",
        destination_vault_arn=VAULT + "e6625738-0655-4aa9-bd37-6ec1dd183b15",
        size_bytes=3221225472,
        iam_role_arn=ROLE + "FullBackupTestRole",
        backup_plan_arn="arn:aws:backup:us-west-2:1112233445566:backup-plan:bde0f455-4e24-4668-aeaa-4932a97f5cc5",
    ),
    "copy_job_completed.json": dict(
        kind="COPY",
        job_id="0175DE71-5784-589F-D8AC-541ACCB4CAC8",
        state="COMPLETED",
        resource_arn="arn:aws:ec2:us-west-2:1112233445566:volume/vol-050eba21ee4d3c001",
        resource_type="EBS",
        source_recovery_point_arn="arn:aws:ec2:us-west-2::snapshot/snap-03886bc8d6ef3a1f9",
        destination_recovery_point_arn="arn:aws:ec2:us-west-2::snapshot/snap-0726fe70935586180",
        source_vault_arn=VAULT + "846869de-4589-45c3-ab60-4fbbabcdd3ec",
        destination_vault_arn=VAULT + "846869de-4589-45c3-ab60-4fbbabcdd3ec",
        size_bytes=3221225472,
        iam_role_arn=ROLE + "OrganizationCanaryTestRole",
    ),
    "copy_job_created.json": dict(
        kind="COPY",
        job_id=None,
        state="CREATED",
        source_recovery_point_arn="arn:aws:ec2:us-west-2::image/ami-0888b126e2170b98e",
        source_vault_arn=VAULT + "ef09da5a-21a6-461f-a98f-857e9e621a17",
        destination_vault_arn=VAULT + "ef09da5a-21a6-461f-a98f-857e9e621a17",
    ),
    "copy_job_failed.json": dict(
        kind="COPY",
        job_id="47C8EF56-74D8-059D-1301-C5BE1D5C926E",
        state="FAILED",
        status_message="Access denied exception while trying to list tags",
        resource_arn="arn:aws:ec2:us-west-2:1112233445566:instance/i-0515aee7de03f58e1",
        resource_type="EC2",
        source_recovery_point_arn="arn:aws:ec2:us-west-2::image/ami-00179b33a7a88cac5",
        source_vault_arn=VAULT + "55aa945e-c46a-421b-aa27-f94b074e31b7",
        destination_vault_arn=VAULT + "55aa945e-c46a-421b-aa27-f94b074e31b7",
        size_bytes=22548578304,
        iam_role_arn=ROLE + "RoleForEc2BackupWithNoDescribeTagsPermissions",
    ),
    "copy_job_running.json": dict(
        kind="COPY",
        job_id="0175DE71-5784-589F-D8AC-541ACCB4CAC8",
        state="RUNNING",
        resource_arn="arn:aws:ec2:us-west-2:1112233445566:volume/vol-050eba21ee4d3c001",
        resource_type="EBS",
        source_recovery_point_arn="arn:aws:ec2:us-west-2::snapshot/snap-03886bc8d6ef3a1f9",
        source_vault_arn=VAULT + "846869de-4589-45c3-ab60-4fbbabcdd3ec",
        destination_vault_arn=VAULT + "846869de-4589-45c3-ab60-4fbbabcdd3ec",
        size_bytes=3221225472,
        iam_role_arn=ROLE + "OrganizationCanaryTestRole",
    ),
    "restore_job_completed.json": dict(
        kind="RESTORE",
        job_id="AB123456-78C9-0123-456D-789012E34567",
        state="COMPLETED",
        resource_arn="arn:aws:rds:us-west-2:1112233445566:db:example-database",
        resource_type="RDS",
        source_recovery_point_arn=RP + "6f7fc1f8-2f2e-40ac-943b-8f8efa9ba99d",
        source_vault_arn=VAULT + "ExampleVault",
        size_bytes=0,
        iam_role_arn=ROLE + "RestoreTestRole",
        created_resource_arn="arn:aws:rds:us-west-2:1112233445566:db:"
        "testinginstance1a2bcd34-567e-8901-23f4-5g6hijkl7890",
    ),
    "restore_job_created.json": dict(
        kind="RESTORE",
        job_id="123EA45F-C678-EFE9-0123-4D56FC0E789A",
        state="CREATED",
        source_recovery_point_arn=RP + "a6560b33-3660-494c-8d47-efgh939ij32k",
    ),
    "restore_job_failed.json": dict(
        kind="RESTORE",
        job_id="1B234A56-789B-01CD-2A34-4567A08901FD",
        state="FAILED",
        status_message="AWS Backup does not permit attaching a new instance profile to an EC2 "
        "instance. Please restore using the backed up instance profile.",
        resource_type="EC2",
        source_recovery_point_arn="arn:aws:ec2:us-west-2::image/ami-12b3456dfb7f8cf90",
        size_bytes=22548578304,
        iam_role_arn=ROLE + "TestAWSBackupRole",
    ),
    "restore_job_pending.json": dict(
        kind="RESTORE",
        job_id="123EA45F-C678-EFE9-0123-4D56FC0E789A",
        state="PENDING",
        resource_type="EC2",
        source_recovery_point_arn=RP + "42bb8260-92cd-46a2-ab8d-b29f4edb47b1",
        size_bytes=36048,
        iam_role_arn=ROLE + "RestoreTestRole",
    ),
    "restore_job_running.json": dict(
        kind="RESTORE",
        job_id="1B234A56-789B-01CD-2A34-4567A08901FD",
        state="RUNNING",
        resource_type="EBS",
        source_recovery_point_arn="arn:aws:ec2:us-west-2::snapshot/snap-0fe123ca456cfad7c",
        size_bytes=3221225472,
        iam_role_arn=ROLE + "RestoreTestRole",
    ),
    # AWS's scan and index examples (issue #25): the recovery point scanned or indexed is
    # the source; scanResult.scanResultStatus is kept; an index's message is indexStatusMessage.
    "scan_job_created.json": SCAN | dict(state="CREATED"),
    "scan_job_running.json": SCAN | dict(state="RUNNING"),
    "scan_job_completed.json": SCAN
    | dict(
        state="COMPLETED",
        status_message="An AWS Backup scan job was successful completed.",
        scan_result="THREATS_FOUND",
    ),
    "scan_job_completed_with_issues.json": SCAN
    | dict(
        state="COMPLETED_WITH_ISSUES",
        status_message="Scan job partially completed. View more details in Amazon GuardDuty",
        scan_result="NO_THREATS_FOUND",
    ),
    "scan_job_failed.json": SCAN | dict(state="FAILED", status_message="<failure reason>"),
    "scan_job_canceled.json": SCAN
    | dict(state="CANCELED", status_message="Scan job was stopped by user."),
    "recovery_point_index_active.json": INDEX
    | dict(
        state="ACTIVE",
        status_message="An AWS Backup recovery point index was successfully completed. "
        "Indexed recovery point arn : " + SCANNED,
    ),
    "recovery_point_index_deleted.json": INDEX
    | dict(
        state="DELETED",
        status_message="An AWS Backup recovery point index was deleted. "
        "Indexed recovery point arn : " + SCANNED,
    ),
    "recovery_point_index_failed.json": INDEX
    | dict(
        state="FAILED",
        resource_arn="arn:aws:ec2:us-west-2:1112233445566:volume/01234567890abcdef",
        status_message="An AWS Backup recovery point index failed to create. "
        "Indexed recovery point arn : " + SCANNED,
    ),
    # AWS's COMPLETED restore example plus restoreTestingPlanArn (events/README.md)
    "restore_job_completed_restore_testing.json": dict(
        kind="RESTORE",
        job_id="AB123456-78C9-0123-456D-789012E34567",
        state="COMPLETED",
        resource_arn="arn:aws:rds:us-west-2:1112233445566:db:example-database",
        resource_type="RDS",
        source_recovery_point_arn=RP + "6f7fc1f8-2f2e-40ac-943b-8f8efa9ba99d",
        source_vault_arn=VAULT + "ExampleVault",
        size_bytes=0,
        iam_role_arn=ROLE + "RestoreTestRole",
        created_resource_arn="arn:aws:rds:us-west-2:1112233445566:db:"
        "testinginstance1a2bcd34-567e-8901-23f4-5g6hijkl7890",
        restore_testing_plan_arn="arn:aws:backup:us-west-2:1112233445566:restore-testing-plan:"
        "ExampleRestoreTestingPlan-1a2b3c",
    ),
}

OPTIONAL_FIELDS = (
    "status_message",
    "resource_arn",
    "resource_type",
    "source_recovery_point_arn",
    "destination_recovery_point_arn",
    "source_vault_arn",
    "destination_vault_arn",
    "size_bytes",
    "iam_role_arn",
    "created_resource_arn",
    "message_category",  # AWS's documented events carry none
    "scan_result",
    "restore_testing_plan_arn",
    "backup_plan_arn",  # a backup's plan; AWS's examples of plan jobs carry one
)


def test_the_table_covers_every_documented_job_event() -> None:
    assert sorted(EXPECTED) == JOB_EVENT_FILES


@pytest.mark.parametrize("name", JOB_EVENT_FILES)
def test_documented_job_event_normalizes_to_expected_fields(name: str) -> None:
    # GIVEN a documented AWS Backup job event, verbatim
    raw = documented(name)
    # WHEN it is normalized
    event = normalize(raw)
    # THEN every field is as expected; fields the event does not carry are None
    expected = dict.fromkeys(OPTIONAL_FIELDS) | EXPECTED[name]
    assert (
        event.model_dump(mode="json", exclude={"account", "region", "time", "event_id"}) == expected
    )
    assert (event.account, event.region, event.event_id) == (
        "1112233445566",
        "us-west-2",
        raw["id"],
    )
    assert event.time == datetime.fromisoformat(raw["time"]).astimezone(UTC)


@pytest.mark.parametrize("name", OTHER_EVENT_FILES)
def test_documented_events_that_are_not_job_events_are_refused(name: str) -> None:
    with pytest.raises(InvalidJobEvent) as refused:
        normalize(documented(name))
    assert refused.value.code == "unsupported_detail_type"


def test_json_field_names_are_the_contract() -> None:
    event = normalize(documented("copy_job_completed.json"))
    assert list(event.model_dump(mode="json")) == [
        "kind",
        "job_id",
        "state",
        "status_message",
        "account",
        "region",
        "time",
        "resource_arn",
        "resource_type",
        "source_recovery_point_arn",
        "destination_recovery_point_arn",
        "source_vault_arn",
        "destination_vault_arn",
        "size_bytes",
        "iam_role_arn",
        "event_id",
        "created_resource_arn",  # added after the first release: new fields go last
        "message_category",
        "scan_result",  # contract version 2 (issue #25)
        "restore_testing_plan_arn",
        "backup_plan_arn",  # contract version 3 (issue #25: on-demand backups)
    ]
    assert event.model_dump(mode="json")["time"] == "2020-07-15T22:08:04Z"


def _raw_with(name: str, **detail: Any) -> dict[str, Any]:
    event = copy.deepcopy(documented(name))
    event["detail"].update(detail)
    return event


@pytest.mark.parametrize(
    ("event", "code"),
    [
        (
            {"source": "aws.ec2", "detail-type": "Copy Job State Change", "detail": {}},
            "not_backup_event",
        ),
        ({"source": "aws.backup", "detail-type": "Copy Job State Change"}, "missing_detail"),
        (
            {"source": "aws.backup", "detail-type": "Copy Job State Change", "detail": []},
            "missing_detail",
        ),
        ({"source": "aws.backup", "detail-type": 7, "detail": {}}, "unsupported_detail_type"),
        (_raw_with("copy_job_running.json", state="SLEEPING"), "invalid_field"),
        (_raw_with("copy_job_running.json", state=None), "missing_field"),
        (_raw_with("copy_job_running.json", backupSizeInBytes="3 GB"), "invalid_field"),
        (_raw_with("copy_job_running.json", backupSizeInBytes=-1), "invalid_field"),
        (_raw_with("copy_job_running.json", copyJobId=["x"]), "invalid_field"),
        (_raw_with("copy_job_failed.json", statusMessage={"text": "x"}), "invalid_field"),
        ({**documented("copy_job_running.json"), "time": "yesterday"}, "invalid_field"),
        ({**documented("copy_job_running.json"), "account": ""}, "missing_field"),
        ([], "not_an_object"),
        ("text", "not_an_object"),
        # what a fuzz found escaping as OverflowError, ValueError, RecursionError, or written
        # to the ledger only to fail there
        (documented("copy_job_running.json") | {"time": "0001-01-01T00:30+01:00"}, "invalid_field"),
        (documented("copy_job_running.json") | {"time": "9999-12-31T23:30-01:00"}, "invalid_field"),
        (_raw_with("copy_job_running.json", backupSizeInBytes="9" * 5000), "invalid_field"),
        (_raw_with("copy_job_running.json", backupSizeInBytes=str(2**63)), "invalid_field"),
        (_raw_with("copy_job_running.json", backupSizeInBytes=2**63), "invalid_field"),
        (_raw_with("copy_job_running.json", backupSizeInBytes=1e300), "invalid_field"),
        (_raw_with("copy_job_running.json", copyJobId="j" * 300), "invalid_field"),
        ({**documented("copy_job_running.json"), "id": "e" * 300}, "invalid_field"),
        ({**documented("copy_job_running.json"), "account": "1" * 300}, "invalid_field"),
        (_raw_with("copy_job_running.json", resourceArn="a" * 3000), "invalid_field"),
        (_raw_with("copy_job_running.json", copyJobId="job-\ud800"), "invalid_field"),
        (_raw_with("copy_job_failed.json", statusMessage="\udfff"), "invalid_field"),
        (_raw_with("copy_job_running.json", extra=nested(100)), "too_deep"),
        (_raw_with("copy_job_running.json", extra=nested(5000)), "too_deep"),
        ({**documented("copy_job_running.json"), "source": nested(5000)}, "too_deep"),
        ({"envelope": nested(5000)}, "too_deep"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_reason(event: Any, code: str) -> None:
    with pytest.raises(InvalidJobEvent) as refused:
        normalize(event)
    assert refused.value.code == code
    assert refused.value.message


def test_nesting_as_deep_as_an_envelope_is_accepted() -> None:
    # GIVEN an envelope (its original's detail is three levels down) with an extra nested field
    raw = _raw_with("copy_job_running.json", extra=nested(20))
    # WHEN normalized THEN it is a job event
    assert normalize(envelope_of(raw)).job_id == raw["detail"]["copyJobId"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("state", "S" * 1_000_000),
        ("time", "2020" * 250_000),
        ("source", "aws.backup" * 100_000),
        ("detail-type", ["Copy Job State Change"] * 100_000),
        ("backupSizeInBytes", "9" * 1_000_000),
        ("backupSizeInBytes", 10**4000),
        ("state", nested(900)),
    ],
    ids=["huge state", "huge time", "huge source", "long list", "huge digits", "huge int", "deep"],
)
def test_a_refusal_quotes_a_bounded_excerpt_of_what_it_refuses(field: str, value: Any) -> None:
    # GIVEN an event with a huge or deeply nested value in one field
    event = documented("copy_job_running.json")
    (event if field in event else event["detail"])[field] = value
    # WHEN normalize refuses it
    with pytest.raises(InvalidJobEvent) as refused:
        normalize(event)
    # THEN the reason quotes a short excerpt, never the whole value
    assert len(refused.value.message) <= 200


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (b"\xff\xfe{}", "not_utf8"),
        ('{"copy": "caf\u00e9"}'.encode("latin-1"), "not_utf8"),
        (deep_json(100_000), "too_deep"),
        (deep_json(100_000).encode(), "too_deep"),
        ('{"size": ' + "9" * 5000 + "}", "not_json"),
        ('{"source": "aws.backup"', "not_json"),
    ],
)
def test_text_that_is_not_json_is_refused_with_a_reason(text: str | bytes, code: str) -> None:
    with pytest.raises(InvalidJobEvent) as refused:
        normalize_json(text)
    assert refused.value.code == code
    assert len(refused.value.message) <= 200


def test_status_message_loses_only_its_wrapping_quotes() -> None:
    event = normalize(_raw_with("copy_job_failed.json", statusMessage=' "say "no" twice" '))
    assert event.status_message == 'say "no" twice'
    assert normalize(_raw_with("copy_job_failed.json", statusMessage='""')).status_message is None


def test_state_and_status_are_one_state() -> None:
    restore = documented("restore_job_completed.json")
    assert normalize(restore).state is JobState.COMPLETED  # detail.status
    assert (
        normalize(documented("restore_job_created.json")).state is JobState.CREATED
    )  # detail.state


@pytest.mark.parametrize("name", JOB_EVENT_FILES)
def test_an_envelope_normalizes_like_its_raw_event(name: str) -> None:
    raw = documented(name)
    assert normalize(envelope_of(raw)) == normalize(raw)


def test_envelope_slots_left_empty_or_unsubstituted_mean_absent() -> None:
    # GIVEN the transformer's output for a copy CREATED event (no copyJobId, no destination):
    # EventBridge leaves a missing variable empty; moto leaves its placeholder in place
    raw = documented("copy_job_created.json")
    for missing in ("", "<job_id>", None):
        envelope = envelope_of(raw, job_id=missing, destination_recovery_point_arn="{}")
        # WHEN normalized THEN both mean "absent"
        event = normalize(envelope)
        assert event.job_id is None
        assert event.destination_recovery_point_arn is None


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"envelope": "backup-relay/0"}, "unsupported_envelope"),
        ({"kind": "MALWARE"}, "unsupported_kind"),
        ({"kind": "SCAN"}, "kind_mismatch"),
        ({"kind": "RESTORE"}, "kind_mismatch"),
        ({"source": "aws.ec2"}, "not_backup_event"),
    ],
)
def test_bad_envelopes_are_refused(overrides: dict[str, Any], code: str) -> None:
    envelope = envelope_of(documented("copy_job_completed.json"), **overrides)
    with pytest.raises(InvalidJobEvent) as refused:
        normalize(envelope)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("$.detail.state", "COMPLETED"),
        ("$.resources[0]", "arn:aws:ec2:us-west-2::snapshot/snap-03886bc8d6ef3a1f9"),
        ("$.resources[3]", None),
        ("$.detail-type", "Copy Job State Change"),
        ("$.detail.missing.deeper", None),
        ("$.detail.state.deeper", None),
    ],
)
def test_extract_follows_eventbridge_paths(path: str, value: Any) -> None:
    assert extract(documented("copy_job_completed.json"), path) == value


def test_job_key_of_a_copy_without_id_is_stable_per_route() -> None:
    created = normalize(documented("copy_job_created.json"))
    again = normalize({**documented("copy_job_created.json"), "id": "another-delivery"})
    assert created.job_key == again.job_key
    assert created.job_key.startswith("COPY#~")
    assert created.dedupe_key != again.dedupe_key


@pytest.mark.parametrize(
    ("value", "kept"),
    [("AccessDenied", "AccessDenied"), (" SUCCESS ", "SUCCESS"), (7, None), ("", None),
     ("two words", None), ("x" * 65, None), (None, None)],
)  # fmt: skip
def test_an_events_message_category_is_kept_when_it_is_a_name(
    value: object, kept: str | None
) -> None:
    # GIVEN AWS's documented copy failure with a messageCategory (INFERRED: its examples have none)
    raw = documented("copy_job_failed.json")
    raw["detail"]["messageCategory"] = value
    # WHEN it is normalized THEN a name is kept, anything else left out (the event stays good)
    assert normalize(raw).message_category == kept
    # AND the envelope the central rules send keeps it from the original event
    assert normalize(envelope_of(raw)).message_category == kept


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("scan_job_completed.json", {"scanResult": {"scanResultStatus": ["THREATS_FOUND"]}}),
        ("scan_job_completed.json", {"state": "INFECTED"}),
        ("recovery_point_index_active.json", {"indexStatus": None}),
        ("restore_job_completed_restore_testing.json", {"restoreTestingPlanArn": 7}),
    ],
)
def test_a_malformed_scan_index_or_restore_test_event_is_refused_with_a_reason(
    name: str, detail: dict[str, Any]
) -> None:
    # GIVEN one of the event types AWS added, with a field that is not what AWS documents
    raw = _raw_with(name, **detail)
    # WHEN it is normalized, raw or as the rules' envelope
    for payload in (raw, envelope_of(raw)):
        with pytest.raises(InvalidJobEvent) as refused:
            normalize(payload)
        # THEN it is refused with a code ingest quarantines under, never another exception
        assert refused.value.code in {"invalid_field", "missing_field"}


def test_an_index_is_one_job_per_recovery_point_whose_states_move_forward() -> None:
    # GIVEN AWS's ACTIVE and DELETED index events of one recovery point
    active = normalize(documented("recovery_point_index_active.json"))
    deleted = normalize(documented("recovery_point_index_deleted.json"))
    # THEN they are one job, and DELETED follows ACTIVE (a late ACTIVE does not undo it)
    assert active.job_key == deleted.job_key
    assert moves_job_forward(active.state, deleted.state)
    assert not moves_job_forward(deleted.state, active.state)
