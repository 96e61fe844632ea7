"""The demo's `plan` act: the central copy into the DR region's logically air-gapped vault (its
second destination), where the cluster types go straight in and an RDS DB instance has no route,
as the CLI would print it."""

from __future__ import annotations

from typing import Protocol, TextIO

from backup_relay.domain.route_table import VaultType
from backup_relay.domain.routes import Route, RouteError, Vault, plan_route
from backup_relay.settings import RouteSettings
from backup_relay_sandbox.cloud import REGION
from backup_relay_sandbox.demo_timeline import section
from backup_relay_sandbox.organization import LAG_VAULT_ARN, Organization


class RouteRenderers(Protocol):
    def render_route(self, route: Route) -> str: ...
    def render_no_route(self, error: RouteError) -> str: ...


def plan_where_aws_has_no_route(
    org: Organization, out: TextIO | None, render: RouteRenderers
) -> str:
    """`backup-relay plan` from the central copy into the DR region's LAG vault, with the
    stack's settings: the cluster types go straight in; an RDS DB instance has no route, AWS's
    reason and page (exit 1: plan's answer for a copy AWS does not make, not a failure)."""
    env = {**org.central.functions["ReplayFunction"].variables, "AWS_REGION": REGION}
    routes = RouteSettings.load(env).routes
    central = routes.central_vault(REGION)
    lag = Vault.parse(LAG_VAULT_ARN)  # the central account's, in the DR region
    _print(out, section("8. Plan: a LAG destination, and the copy AWS does not make"))
    answer = ""
    for resource_type in ("Aurora", "RDS"):
        command = (
            f"$ backup-relay plan {resource_type} --from {central} --to {lag} "
            f"--destination-vault-type {VaultType.LOGICALLY_AIR_GAPPED}"
        )
        try:
            route = plan_route(
                resource_type, central, lag, routes,
                destination_vault_type=VaultType.LOGICALLY_AIR_GAPPED,
            )  # fmt: skip
            _print(out, f"{command}\n{render.render_route(route)}\n")
        except RouteError as error:
            answer = render.render_no_route(error)
            note = "(exit 1: plan's answer for a copy AWS does not make; coverage: no route)"
            _print(out, f"{command}\nbackup-relay: {answer}\n{note}")
    return answer


def _print(out: TextIO | None, text: str) -> None:
    if out is not None:
        print(text, file=out, flush=True)
