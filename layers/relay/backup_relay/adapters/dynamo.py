"""The ledger table: writes that may refuse to overwrite, conditional updates, reads, in Python
values (boto3's TypeSerializer / TypeDeserializer translate them; keys: ledger_schema.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from botocore.exceptions import ClientError

from backup_relay.adapters import aws
from backup_relay.adapters.errors import code_of, domain_errors, translated
from backup_relay.domain.clock import utc_now
from backup_relay.domain.errors import Throttled

if TYPE_CHECKING:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
    from mypy_boto3_dynamodb import DynamoDBClient

    from backup_relay.adapters.ledger_schema import Key

T = TypeVar("T")
Item = dict[str, Any]
#: The index every state partition is in (gsi1pk, gsi1sk).
INDEX = "gsi1"
#: `#name` in an expression stands for the attribute `name`.
_NAME = re.compile(r"#(\w+)")


class DynamoTable:
    def __init__(self, table_name: str, keep_for: timedelta | None = None) -> None:
        self.table_name = table_name
        self.keep_for = keep_for  # items written get `expires_at` (the table's TTL) this far out

    @property
    def client(self) -> DynamoDBClient:
        return aws.dynamodb()

    def put(self, item: Mapping[str, object], *, once: bool = False) -> bool:
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
        self, item: Mapping[str, object], may_replace: Callable[[str | None], bool]
    ) -> bool:
        """Write `item` (its `state` included) only if `may_replace(the stored state)` says the
        stored item may become it; False when it stays. The write is conditional on the state
        read, so a concurrent writer makes it read and decide again."""
        values = self._values(item)
        key: Key = {"pk": str(item["pk"]), "sk": str(item["sk"])}
        for _ in range(_RACES):
            stored = self.get(key)
            seen = stored.get("state") if stored else None
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
                    "ExpressionAttributeValues": to_dynamo({":seen": seen}),
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
            f"{key['pk']} {key['sk']}: overtaken by {_RACES} concurrent writes",
        )

    def get(self, key: Key) -> Item | None:
        """The item (read consistently), or None."""
        with domain_errors():
            item = self.client.get_item(
                TableName=self.table_name, Key=to_dynamo(key), ConsistentRead=True
            ).get("Item")
        return from_dynamo(item) if item is not None else None

    def update(
        self,
        key: Key,
        expression: str,
        values: Mapping[str, object] | None = None,
        *,
        condition: str | None = None,
        returns: Literal["ALL_NEW", "UPDATED_NEW"] | None = None,
    ) -> Item | None:
        """UpdateItem, `#name` standing for the attribute `name`: the attributes `returns` asks
        for ({} without), or None when `condition` did not hold."""
        names = {f"#{name}": name for name in _NAME.findall(f"{expression} {condition or ''}")}
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": to_dynamo(key),
            "UpdateExpression": expression,
            **({"ConditionExpression": condition} if condition else {}),
            **({"ExpressionAttributeNames": names} if names else {}),
            **({"ExpressionAttributeValues": to_dynamo(values)} if values else {}),
            **({"ReturnValues": returns} if returns else {}),
        }
        if condition is None:
            with domain_errors():
                answer = self.client.update_item(**params)
            return from_dynamo(answer.get("Attributes", {}))
        held = conditionally(lambda: self.client.update_item(**params))
        return from_dynamo(held.get("Attributes", {})) if held is not None else None

    def query(
        self, pk: str, sk_prefix: str | None = None, *, consistent: bool = False
    ) -> list[Item]:
        """The items of partition `pk` (those whose `sk` begins with `sk_prefix`): one page."""
        condition, values = "pk = :pk", {":pk": pk}
        if sk_prefix is not None:
            condition += " AND begins_with(sk, :prefix)"
            values[":prefix"] = sk_prefix
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": to_dynamo(values),
            **({"ConsistentRead": True} if consistent else {}),
        }
        with domain_errors():
            items = self.client.query(**params)["Items"]
        return [from_dynamo(item) for item in items]

    def in_index(self, gsi1pk: str, since: str | None = None) -> list[Item]:
        """Every item of the index's partition `gsi1pk` (those whose `gsi1sk` >= `since`)."""
        condition, values = "gsi1pk = :partition", {":partition": gsi1pk}
        if since is not None:
            condition += " AND gsi1sk >= :since"
            values[":since"] = since
        items = []
        with domain_errors():
            for page in self.client.get_paginator("query").paginate(
                TableName=self.table_name,
                IndexName=INDEX,
                KeyConditionExpression=condition,
                ExpressionAttributeValues=to_dynamo(values),
            ):
                items += page["Items"]
        return [from_dynamo(item) for item in items]

    def _values(self, item: Mapping[str, object]) -> dict[str, Any]:
        """The item as DynamoDB takes it, with its expiry unless it has its own."""
        if self.keep_for is not None and "expires_at" not in item:
            item = {**item, "expires_at": int((utc_now() + self.keep_for).timestamp())}
        return to_dynamo(item)


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


def to_dynamo(values: Mapping[str, object]) -> dict[str, Any]:
    """Python values as DynamoDB attribute values: None left out, a StrEnum as its value."""
    serialize = _serializer().serialize
    return {
        name: serialize(str(value) if isinstance(value, str) else value)
        for name, value in values.items()
        if value is not None
    }


def from_dynamo(item: Mapping[str, Any]) -> Item:
    deserialize = _deserializer().deserialize
    return {name: deserialize(value) for name, value in item.items()}


# boto3 loads on the first call that needs AWS, not at import (a cold start: adapters/aws.py)
@cache
def _serializer() -> TypeSerializer:
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


@cache
def _deserializer() -> TypeDeserializer:
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer()
