"""The ledger table: a client made on first use, and writes that may refuse to overwrite."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from backup_relay.adapters import aws

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Value = str | int | None


class DynamoTable:
    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            self._client = aws.dynamodb()
        return self._client

    def put(self, item: Mapping[str, Value], *, once: bool = False) -> bool:
        """Write `item` (None values left out); with `once`, False if its key already exists."""
        condition = {"ConditionExpression": "attribute_not_exists(pk)"} if once else {}
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item={key: attribute(value) for key, value in item.items() if value is not None},
                **condition,  # type: ignore[arg-type]
            )
        except ClientError as error:
            if refused(error):
                return False
            raise
        return True


def refused(error: ClientError) -> bool:
    """A conditional write whose condition did not hold."""
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def attribute(value: str | int) -> Any:
    return {"N": str(value)} if isinstance(value, int) else {"S": str(value)}
