"""Alerts through AWS: the alerts queue (outbox), the ledger's alert items, the SNS topic.

alert            pk ALERT#<alert id>        sk ALERT   state PUBLISHING|SENT|FAILED, lease_until,
                                                       attempts, last_error, message_id
quarantine count pk QUARANTINECOUNT#<hour>  sk COUNT   n
"""

from __future__ import annotations

from datetime import timedelta

from backup_relay.adapters import aws
from backup_relay.adapters.dynamo import DynamoTable, conditionally
from backup_relay.adapters.errors import domain_errors
from backup_relay.alerts.message import AlertMessage
from backup_relay.alerts.ports import AlertClaim
from backup_relay.domain.alert import Alert
from backup_relay.domain.clock import utc_now

#: How long a claim holds an alert for one attempt to publish it (a Lambda timeout is 30 s).
LEASE = timedelta(seconds=60)


class SqsAlertOutbox:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def send(self, alert: Alert) -> None:
        with domain_errors():
            aws.sqs().send_message(QueueUrl=self.queue_url, MessageBody=alert.model_dump_json())


class SqsDeadLetters:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def send(self, body: str, reason: str) -> None:
        with domain_errors():
            aws.sqs().send_message(
                QueueUrl=self.queue_url,
                MessageBody=body,
                MessageAttributes={"reason": {"DataType": "String", "StringValue": reason[:1000]}},
            )


class SnsAlertPublisher:
    def __init__(self, topic_arn: str) -> None:
        self.topic_arn = topic_arn

    def publish(self, message: AlertMessage) -> str:
        with domain_errors():
            answer = aws.sns().publish(
                TopicArn=self.topic_arn,
                Subject=message.subject,
                Message=message.structured,
                MessageStructure="json",
                MessageAttributes={
                    name: {"DataType": "String", "StringValue": value}
                    for name, value in message.attributes.items()
                },
            )
        return answer["MessageId"]


class DynamoAlertLedger(DynamoTable):
    def claim(self, alert: Alert) -> AlertClaim:
        now = utc_now()
        key = {"pk": {"S": f"ALERT#{alert.alert_id}"}, "sk": {"S": "ALERT"}}
        claimed = conditionally(
            lambda: self.client.update_item(
                TableName=self.table_name,
                Key=key,
                UpdateExpression="SET #state = :publishing, lease_until = :until, "
                "attempts = if_not_exists(attempts, :zero) + :one, "
                "kind = :kind, severity = :severity, category = :category, "
                "raised_at = if_not_exists(raised_at, :now), expires_at = :expires",  # TTL
                ConditionExpression="attribute_not_exists(pk) OR "
                "(#state <> :sent AND lease_until < :now)",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":publishing": {"S": "PUBLISHING"},
                    ":sent": {"S": "SENT"},
                    ":until": {"S": (now + LEASE).isoformat()},
                    ":now": {"S": now.isoformat()},
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                    ":kind": {"S": str(alert.kind)},
                    ":severity": {"S": str(alert.severity)},
                    ":category": {"S": alert.diagnosis.category},
                    ":expires": {"N": str(self._expires_at())},
                },
            )
        )
        if claimed is not None:
            return AlertClaim.MINE
        with domain_errors():
            item = self.client.get_item(TableName=self.table_name, Key=key, ConsistentRead=True)
        state = item.get("Item", {}).get("state", {}).get("S")
        return AlertClaim.SENT if state == "SENT" else AlertClaim.HELD

    def sent(self, alert_id: str, message_id: str) -> None:
        self._update(alert_id, "SENT", message_id=message_id, sent_at=utc_now().isoformat())

    def failed(self, alert_id: str, reason: str, *, final: bool) -> None:
        """Release the lease at once, so the next delivery may try again."""
        state = "FAILED" if final else "PUBLISHING"
        self._update(alert_id, state, last_error=reason[:1000], lease_until="")

    def _update(self, alert_id: str, state: str, **values: str) -> None:
        names = {"#state": "state", **{f"#{k}": k for k in values}}
        sets = ", ".join(["#state = :state", *(f"#{k} = :{k}" for k in values)])
        with domain_errors():
            self.client.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": f"ALERT#{alert_id}"}, "sk": {"S": "ALERT"}},
                UpdateExpression=f"SET {sets}",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    ":state": {"S": state},
                    **{f":{k}": {"S": v} for k, v in values.items()},
                },
            )

    def _expires_at(self) -> int:
        if self.keep_for is None:
            raise ValueError("the alert ledger keeps alerts as long as the ledger's retention")
        return int((utc_now() + self.keep_for).timestamp())


class DynamoQuarantineCounter(DynamoTable):
    def count(self, hour: str) -> int:
        with domain_errors():
            answer = self.client.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": f"QUARANTINECOUNT#{hour}"}, "sk": {"S": "COUNT"}},
                UpdateExpression="ADD n :one SET expires_at = if_not_exists(expires_at, :expires)",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":expires": {"N": str(int((utc_now() + timedelta(days=7)).timestamp()))},
                },
                ReturnValues="UPDATED_NEW",
            )
        return int(answer["Attributes"]["n"]["N"])
