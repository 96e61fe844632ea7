"""A chain's destinations (issue #25 item 2): the DR vault first, then AdditionalDestinations,
each `TYPE:REGION:VAULT` in the central account."""

from __future__ import annotations

import pytest

from backup_relay.domain.route_table import VaultType
from backup_relay.domain.routes import Destination, RouteError, RoutePolicy, Vault

CENTRAL = "111111111111"


def policy(*additional: str, dr_region: str = "eu-west-1") -> RoutePolicy:
    return RoutePolicy(
        central_account=CENTRAL,
        central_vault_name="central",
        chained_types=frozenset({"Aurora"}),
        dr_region=dr_region,
        dr_vault_name="dr",
        additional_destinations=additional,
    )


def test_the_dr_vault_comes_first_then_each_additional_destination_once() -> None:
    # GIVEN a LAG vault at home and in the DR region, one written twice, and the DR vault again
    routes = policy("lag:home:lag", "lag:eu-west-1:lag", "lag:home:lag", "standard:eu-west-1:dr")

    # WHEN the destinations of a chain starting in us-east-1 are listed
    destinations = routes.destinations("us-east-1")

    # THEN the DR vault leads, `home` is the chain's region, and no vault appears twice
    assert [d.label for d in destinations] == [
        "standard:eu-west-1:dr",
        "lag:us-east-1:lag",
        "lag:eu-west-1:lag",
    ]
    assert destinations[1].vault == Vault(account=CENTRAL, region="us-east-1", name="lag")
    assert destinations[1].vault_type is VaultType.LOGICALLY_AIR_GAPPED


def test_no_dr_region_means_no_destination_at_all() -> None:
    # GIVEN the copy chain off (no DrRegion) but a LAG destination written
    # WHEN its destinations are listed THEN there are none: the chain is off
    assert policy("lag:home:lag", dr_region="").destinations("us-east-1") == ()


@pytest.mark.parametrize("text", ["lag:home", "vault:home:x", "lag::x", "standard:eu-west-1:"])
def test_a_malformed_destination_says_what_is_expected(text: str) -> None:
    # GIVEN a destination that is not TYPE:REGION:VAULT
    # WHEN it is parsed THEN the error names it and the expected form
    with pytest.raises(RouteError, match="expected TYPE:REGION:VAULT"):
        Destination.parse(text, CENTRAL, "us-east-1")
