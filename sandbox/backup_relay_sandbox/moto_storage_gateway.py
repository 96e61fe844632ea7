"""The least of AWS Storage Gateway the doctor reads, added to moto (which has no storagegateway):
gateways (ActivateGateway, ListGateways), a volume gateway's volumes (CreateCachediSCSIVolume,
CreateStorediSCSIVolume, ListVolumes) and tags (ListTagsForResource), in AWS's shapes
(https://docs.aws.amazon.com/storagegateway/latest/APIReference/). Requests are held to
botocore's model (required members); what AWS answers an unknown gateway or resource,
InvalidGatewayRequestException (HTTP 400, one of the operations' modelled errors), has an
INFERRED message. `install()` plugs it into moto (idempotent; cloud.reset calls it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import count
from typing import Any

import botocore.session
import moto.backends as moto_backends
from moto import backend_index
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import JsonRESTError
from moto.core.responses import BaseResponse

SERVICE = "storagegateway"
URL = r"https?://storagegateway\.(.+)\.amazonaws\.com"
#: ListVolumes' VolumeType, per gateway type (AWS: "CACHED iSCSI", "STORED iSCSI").
_VOLUME_TYPES = {"CACHED": "CACHED iSCSI", "STORED": "STORED iSCSI"}
_ids = count(0x12A3456B)


class InvalidGatewayRequest(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidGatewayRequestException", message)


class StorageGatewayBackend(BaseBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.gateways: dict[str, dict[str, Any]] = {}  # GatewayARN -> GatewayInfo
        self.volumes: dict[str, dict[str, Any]] = {}  # VolumeARN -> VolumeInfo
        self.tags: dict[str, list[dict[str, str]]] = {}

    @property
    def urls(self) -> dict[str, Callable[..., Any]]:
        return {f"{URL}/$": StorageGatewayResponse.dispatch}

    def activate_gateway(self, body: dict[str, Any]) -> dict[str, Any]:
        """AWS: GatewayType "STORED | CACHED | VTL | FILE_S3 | FILE_FSX_SMB", STORED if none."""
        gateway_id = f"sgw-{next(_ids):08X}"
        arn = f"arn:aws:storagegateway:{self.region_name}:{self.account_id}:gateway/{gateway_id}"
        self.gateways[arn] = {
            "GatewayId": gateway_id,
            "GatewayARN": arn,
            "GatewayType": body.get("GatewayType", "STORED"),
            "GatewayOperationalState": "ACTIVE",
            "GatewayName": body["GatewayName"],
            "HostEnvironment": "VMWARE",
        }
        self.tags[arn] = list(body.get("Tags") or [])
        return {"GatewayARN": arn}

    def create_volume(self, body: dict[str, Any], size: int) -> dict[str, Any]:
        gateway = self._gateway(body["GatewayARN"])
        volume_type = _VOLUME_TYPES.get(gateway["GatewayType"])
        if volume_type is None:  # INFERRED message
            raise InvalidGatewayRequest("The specified gateway is not a volume gateway.")
        volume_id = f"vol-{next(_ids):08X}"
        arn = f"{gateway['GatewayARN']}/volume/{volume_id}"
        self.volumes[arn] = {
            "VolumeARN": arn,
            "VolumeId": volume_id,
            "GatewayARN": gateway["GatewayARN"],
            "GatewayId": gateway["GatewayId"],
            "VolumeType": volume_type,
            "VolumeSizeInBytes": size,
            "VolumeAttachmentStatus": "ATTACHED",
        }
        self.tags[arn] = list(body.get("Tags") or [])
        target = f"{gateway['GatewayARN']}/target/iqn.1997-05.com.amazon:{body['TargetName']}"
        return {"VolumeARN": arn, "TargetARN": target, "VolumeSizeInBytes": size}

    def list_volumes(self, gateway_arn: str | None) -> list[dict[str, Any]]:
        if gateway_arn is not None:
            self._gateway(gateway_arn)
        return [v for v in self.volumes.values() if gateway_arn in {None, v["GatewayARN"]}]

    def list_tags(self, arn: str) -> list[dict[str, str]]:
        if arn not in self.tags:  # INFERRED message
            raise InvalidGatewayRequest(f"The specified resource {arn} was not found.")
        return self.tags[arn]

    def _gateway(self, arn: str) -> dict[str, Any]:
        if arn not in self.gateways:  # INFERRED message
            raise InvalidGatewayRequest("The specified gateway was not found.")
        return self.gateways[arn]


storagegateway_backends = BackendDict(StorageGatewayBackend, SERVICE)


def _page(body: dict[str, Any], items: list[Any], key: str) -> dict[str, Any]:
    """Marker and Limit, as AWS pages: Marker is where the next page starts."""
    start = int(body.get("Marker") or 0)
    limit = int(body.get("Limit") or len(items) or 1)
    page: dict[str, Any] = {key: items[start : start + limit]}
    if start + limit < len(items):
        page["Marker"] = str(start + limit)
    return page


_OPERATIONS: dict[str, Callable[[StorageGatewayBackend, dict[str, Any]], dict[str, Any]]] = {
    "ActivateGateway": lambda b, body: b.activate_gateway(body),
    "ListGateways": lambda b, body: _page(body, list(b.gateways.values()), "Gateways"),
    "CreateCachediSCSIVolume": lambda b, body: b.create_volume(body, body["VolumeSizeInBytes"]),
    "CreateStorediSCSIVolume": lambda b, body: b.create_volume(body, 100 * 2**30),
    "ListVolumes": lambda b, body: {
        **({"GatewayARN": body["GatewayARN"]} if body.get("GatewayARN") else {}),
        **_page(body, b.list_volumes(body.get("GatewayARN")), "VolumeInfos"),
    },
    "ListTagsForResource": lambda b, body: {
        "ResourceARN": body["ResourceARN"],
        **_page(body, b.list_tags(body["ResourceARN"]), "Tags"),
    },
}


def _missing(operation: str, body: dict[str, Any]) -> list[str]:
    model = botocore.session.get_session().get_service_model(SERVICE).operation_model(operation)
    required = model.input_shape.required_members if model.input_shape else []
    return [name for name in required if name not in body]


class StorageGatewayResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name=SERVICE)

    def call_action(self) -> Any:
        operation = self._get_action()
        body = json.loads(self.body or "{}")
        try:
            if operation not in _OPERATIONS:  # INFERRED: what AWS answers is not known here
                raise InvalidGatewayRequest(f"{operation} is not simulated by the sandbox.")
            if missing := _missing(operation, body):
                raise JsonRESTError("ValidationException", f"missing {', '.join(missing)}")
            backend = storagegateway_backends[self.current_account][self.region]
            answer = _OPERATIONS[operation](backend, body)
        except JsonRESTError as error:
            return error.code, dict(error.get_headers()), error.description
        return 200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(answer)


_installed: list[bool] = []


def install() -> None:
    """Route storagegateway's endpoint to the backend above (idempotent)."""
    if _installed:
        return
    backend_index.backend_url_patterns.append((SERVICE, re.compile(URL)))
    original: Any = moto_backends.get_backend

    def get_backend(name: str) -> Any:
        return storagegateway_backends if name == SERVICE else original(name)

    moto_backends.get_backend = get_backend
    _installed.append(True)
