"""The ledger table: writes that may refuse to overwrite, and conditional updates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import ClientError

from backup_relay.adapters import aws
from backup_relay.adapters.errors import code_of, domain_errors, translated

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Value = str | int | None
T = TypeVar("T")


class DynamoTable:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def client(self) -> DynamoDBClient:
        return aws.dynamodb()

    def put(self, item: Mapping[str, Value], *, once: bool = False) -> bool:
        """Write `item` (None values left out); with `once`, False if its key already exists."""
        values = {key: attribute(value) for key, value in item.items() if value is not None}
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
