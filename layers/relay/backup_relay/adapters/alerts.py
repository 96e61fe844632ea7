"""Alerts through AWS: the alerts queue (outbox), the ledger's alert items and quarantine
counts (keys and item shapes: ledger_schema.py), the SNS topic."""

from __future__ import annotations

from datetime import timedelta

from backup_relay.adapters import aws, ledger_schema
from backup_relay.adapters.dynamo import DynamoTable
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
        key = ledger_schema.alert(alert.alert_id)
        claimed = self.update(
            key,
            "SET #state = :publishing, lease_until = :until, "
            "attempts = if_not_exists(attempts, :zero) + :one, "
            "kind = :kind, severity = :severity, category = :category, "
            "raised_at = if_not_exists(raised_at, :now), expires_at = :expires",  # TTL
            {
                ":publishing": "PUBLISHING",
                ":sent": "SENT",
                ":until": (now + LEASE).isoformat(),
                ":now": now.isoformat(),
                ":zero": 0,
                ":one": 1,
                ":kind": str(alert.kind),
                ":severity": str(alert.severity),
                ":category": alert.diagnosis.category,
                ":expires": self._expires_at(),
            },
            condition="attribute_not_exists(pk) OR (#state <> :sent AND lease_until < :now)",
        )
        if claimed is not None:
            return AlertClaim.MINE
        item = self.get(key) or {}
        return AlertClaim.SENT if item.get("state") == "SENT" else AlertClaim.HELD

    def sent(self, alert_id: str, message_id: str) -> None:
        self._update(alert_id, "SENT", message_id=message_id, sent_at=utc_now().isoformat())

    def failed(self, alert_id: str, reason: str, *, final: bool) -> None:
        """Release the lease at once, so the next delivery may try again."""
        state = "FAILED" if final else "PUBLISHING"
        self._update(alert_id, state, last_error=reason[:1000], lease_until="")

    def _update(self, alert_id: str, state: str, **values: str) -> None:
        sets = ", ".join(["#state = :state", *(f"#{k} = :{k}" for k in values)])
        self.update(
            ledger_schema.alert(alert_id),
            f"SET {sets}",
            {":state": state, **{f":{k}": v for k, v in values.items()}},
        )

    def _expires_at(self) -> int:
        if self.keep_for is None:
            raise ValueError("the alert ledger keeps alerts as long as the ledger's retention")
        return int((utc_now() + self.keep_for).timestamp())


class DynamoQuarantineCounter(DynamoTable):
    def count(self, hour: str) -> int:
        answer = self.update(
            ledger_schema.quarantine_count(hour),
            "ADD n :one SET expires_at = if_not_exists(expires_at, :expires)",
            {":one": 1, ":expires": int((utc_now() + timedelta(days=7)).timestamp())},
            returns="UPDATED_NEW",
        )
        return int((answer or {})["n"])
