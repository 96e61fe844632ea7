"""The DynamoDB ledger: one item per job event, one per quarantined message.

Keys (single table, pk/sk, index gsi1):
  job event      pk JOB#<kind>#<job id>         sk EVENT#<time>#<state>#<event id>
                 gsi1pk ACCOUNT#<account>        gsi1sk <time>#<kind>#<state>
  quarantined    pk QUARANTINE#<yyyy-mm-dd>      sk <received at>#<message id>
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from backup_relay.adapters import aws
from backup_relay.ingest import QuarantinedMessage
from backup_relay.models import JobEvent

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

QUARANTINE_RETENTION = timedelta(days=90)


class DynamoLedger:
    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            self._client = aws.dynamodb()
        return self._client

    def record_event(self, event: JobEvent, original: Mapping[str, Any] | None) -> bool:
        time = event.time.isoformat()
        item = {
            "pk": f"JOB#{event.job_key}",
            "sk": f"EVENT#{time}#{event.state}#{event.event_id}",
            "gsi1pk": f"ACCOUNT#{event.account}",
            "gsi1sk": f"{time}#{event.kind}#{event.state}",
            "kind": str(event.kind),
            "state": str(event.state),
            "account": event.account,
            "region": event.region,
            "event": event.model_dump_json(),
            "original": json.dumps(original, separators=(",", ":")) if original else None,
        }
        return self._put_once(item)

    def quarantine(self, message: QuarantinedMessage) -> None:
        received = message.received_at
        self._put_once(
            {
                "pk": f"QUARANTINE#{received.date().isoformat()}",
                "sk": f"{received.isoformat()}#{message.message_id}",
                "message_id": message.message_id,
                "reason_code": message.code,
                "reason": message.reason,
                "body": message.body,
                "expires_at": int((received + QUARANTINE_RETENTION).timestamp()),
            }
        )

    def _put_once(self, item: Mapping[str, str | int | None]) -> bool:
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item={key: _attribute(value) for key, value in item.items() if value is not None},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _attribute(value: str | int) -> Any:
    return {"N": str(value)} if isinstance(value, int) else {"S": value}
