"""The ledger table: writes that may refuse to overwrite, and conditional updates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import ClientError

from backup_relay.adapters import aws
from backup_relay.adapters.errors import code_of, domain_errors, translated
from backup_relay.domain.clock import utc_now
from backup_relay.domain.errors import Throttled

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Value = str | int | None
T = TypeVar("T")


class DynamoTable:
    def __init__(self, table_name: str, keep_for: timedelta | None = None) -> None:
        self.table_name = table_name
        self.keep_for = keep_for  # items written get `expires_at` (the table's TTL) this far out

    @property
    def client(self) -> DynamoDBClient:
        return aws.dynamodb()

    def put(self, item: Mapping[str, Value], *, once: bool = False) -> bool:
        """Write `item` (None values left out); with `once`, False if its key already exists."""
        values = self._values(item)
        if not once:
            with domain_errors():
                self.client.put_item(TableName=self.table_name, Item=values)
            return True
        written = conditionally(
            lambda: self.client.put_item(
                TableName=self.table_name,
                Item=values,
                ConditionExpression="attribute_not_exists(pk)",
            )
        )
        return written is not None

    def put_unless_behind(
        self, item: Mapping[str, Value], may_replace: Callable[[str | None], bool]
    ) -> bool:
        """Write `item` (its `state` included) only if `may_replace(the stored state)` says the
        stored item may become it; False when it stays. The write is conditional on the state
        read, so a concurrent writer makes it read and decide again."""
        values = self._values(item)
        key = {"pk": values["pk"], "sk": values["sk"]}
        for _ in range(_RACES):
            with domain_errors():
                stored = self.client.get_item(
                    TableName=self.table_name, Key=key, ConsistentRead=True
                ).get("Item")
            seen = stored["state"]["S"] if stored and "state" in stored else None
            if stored is not None and not may_replace(seen):
                return False
            condition: dict[str, Any]
            if stored is None:
                condition = {"ConditionExpression": "attribute_not_exists(pk)"}
            elif seen is None:
                condition = {
                    "ConditionExpression": "attribute_not_exists(#state)",
                    "ExpressionAttributeNames": {"#state": "state"},
                }
            else:
                condition = {
                    "ConditionExpression": "#state = :seen",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": {":seen": {"S": seen}},
                }
            written = conditionally(
                lambda c=condition: self.client.put_item(  # type: ignore[misc]
                    TableName=self.table_name, Item=values, **c
                )
            )
            if written is not None:
                return True
        # every read was overtaken by another writer: let the caller's retry decide again
        raise Throttled(
            "ConditionalCheckFailedException",
            f"{values['pk']} {values['sk']}: overtaken by {_RACES} concurrent writes",
        )

    def _values(self, item: Mapping[str, Value]) -> dict[str, Any]:
        """The item as DynamoDB takes it, with its expiry unless it has its own."""
        if self.keep_for is not None and "expires_at" not in item:
            item = {**item, "expires_at": int((utc_now() + self.keep_for).timestamp())}
        return {key: attribute(value) for key, value in item.items() if value is not None}


#: How often a write that races another one reads and decides again before giving way.
_RACES = 5


def conditionally(call: Callable[[], T]) -> T | None:
    """Run a conditional write: None when its condition did not hold; other errors translated."""
    try:
        return call()
    except ClientError as error:
        if code_of(error) == "ConditionalCheckFailedException":
            return None
        raise translated(error) from error


def attribute(value: str | int) -> Any:
    return {"N": str(value)} if isinstance(value, int) else {"S": str(value)}
