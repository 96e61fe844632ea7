"""GENERATED from template.yaml by scripts/generate_template_parameters.py: do not edit.

Run `make generate` after changing the template's parameters or its functions' environment.
"""

#: Each parameter of template.yaml and its default (None: none, it is required).
DEFAULTS: dict[str, str | None] = {
    "OrganizationId": None,
    "AllowedSourceAccounts": "",
    "EventBusName": "",
    "CentralVaultName": "backup-relay-central",
    "DrRegion": "",
    "DrVaultName": "backup-relay-dr",
    "DrRetentionDays": "35",
    "ChainedResourceTypes": "RDS,Aurora,DocumentDB,Neptune",
    "SingleActionResourceTypes": "",
    "MaxConcurrentCopies": "0",
    "CopyWaitTimeoutSeconds": "14400",
    "IntermediateRetentionDays": "0",
    "ReconcileSchedule": "rate(15 minutes)",
    "ReconcileLookbackHours": "192",
    "CoverageMaxAgeHours": "26",
    "HopSlaHours": "24",
    "BackupRoleName": "",
    "LogLevel": "INFO",
    "LogRetentionInDays": "90",
    "LedgerRetentionDays": "400",
    "BringBackTargets": "",
    "MemberReplayRoleName": "backup-relay-replay",
    "MemberDoctorRoleName": "backup-relay-doctor",
    "DoctorSchedule": "rate(1 day)",
    "ProbeTimeoutSeconds": "5",
    "AlertEmail": "",
    "QuarantineAlertThreshold": "10",
    "IngestMaxConcurrency": "10",
    "IngestBatchingWindowSeconds": "0",
    "ChainStepsReservedConcurrency": "0",
    "EventArchiveRetentionDays": "30",
}

#: Each function environment variable that a parameter sets: variable -> parameter.
VARIABLES: dict[str, str] = {
    "ALLOWED_SOURCE_ACCOUNTS": "AllowedSourceAccounts",
    "BRING_BACK_TARGETS": "BringBackTargets",
    "CENTRAL_VAULT_NAME": "CentralVaultName",
    "CHAINED_RESOURCE_TYPES": "ChainedResourceTypes",
    "COPY_WAIT_TIMEOUT_SECONDS": "CopyWaitTimeoutSeconds",
    "COVERAGE_MAX_AGE_HOURS": "CoverageMaxAgeHours",
    "DR_DELETE_AFTER_DAYS": "DrRetentionDays",
    "DR_REGION": "DrRegion",
    "DR_VAULT_NAME": "DrVaultName",
    "HOP_SLA_HOURS": "HopSlaHours",
    "INTERMEDIATE_RETENTION_DAYS": "IntermediateRetentionDays",
    "LEDGER_RETENTION_DAYS": "LedgerRetentionDays",
    "MEMBER_DOCTOR_ROLE_NAME": "MemberDoctorRoleName",
    "MEMBER_REPLAY_ROLE_NAME": "MemberReplayRoleName",
    "ORGANIZATION_ID": "OrganizationId",
    "POWERTOOLS_LOG_LEVEL": "LogLevel",
    "PROBE_TIMEOUT_SECONDS": "ProbeTimeoutSeconds",
    "QUARANTINE_ALERT_THRESHOLD": "QuarantineAlertThreshold",
    "RECONCILE_LOOKBACK_HOURS": "ReconcileLookbackHours",
    "SINGLE_ACTION_RESOURCE_TYPES": "SingleActionResourceTypes",
}
