"""`allow` to or from an address that no end of the network holds.

In the three-tier VPC (tests/pathnets.py) nothing holds 172.16.5.5 (outside
every VPC, not a public address) or 10.0.3.7 (in vpc-a's block, in no
subnet). A connection to or from such an address cannot complete: no route
carries it. Before, these `allow`s held vacuously, because no destination (or
source) end was left to check.
"""

from __future__ import annotations

import pytest

from pathnets import C, TCP, assertion, three_tier
from sgverify.solve import Verdict, check_assertion
from sgverify.spec import AddressEndpoint, ResourceEndpoint

web, db = ResourceEndpoint("web"), ResourceEndpoint("db")


def at(*blocks: str) -> AddressEndpoint:
    return AddressEndpoint(", ".join(blocks), tuple(C(b) for b in blocks))


@pytest.mark.parametrize("address", ["172.16.5.5/32", "10.0.3.7/32", "10.0.3.0/24"])
def test_allow_to_an_address_nothing_holds_is_refuted_at_the_route(address):
    result = check_assertion(three_tier(), assertion("allow", [web], [at(address)], TCP, [443]))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample.failed_at == "route"
    assert [h.outcome for h in result.counterexample.path] == ["no route delivers it (dropped)"]


def test_allow_from_an_address_nothing_holds_is_refuted():
    # web admits tcp/443 from anywhere, but no route brings a packet from 172.16.5.5.
    result = check_assertion(three_tier(), assertion("allow", [at("172.16.5.5/32")], [web], TCP, [443]))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample.source.address == "172.16.5.5"


def test_a_block_that_holds_hosts_is_about_those_hosts():
    # 10.0.2.0/24 is subnet priv: db (which admits 5432 from sg-web) and free hosts there
    # whose groups are unknown; web's table sends it by the local route.
    assert check_assertion(three_tier(), assertion("allow", [web], [at("10.0.2.10/32")], TCP, [5432])).verdict \
        is Verdict.HOLDS


def test_each_block_written_counts_on_its_own():
    # db is reached, but the second block holds nothing: the assertion is refuted by it.
    result = check_assertion(three_tier(), assertion("allow", [web], [at("10.0.2.10/32", "172.16.5.5/32")],
                                                     TCP, [5432]))
    assert result.verdict is Verdict.VIOLATED
    assert result.counterexample.destination.address == "172.16.5.5"


def test_a_public_internet_address_is_an_outside_host_reached_through_the_gateway():
    # web has a public address and 0/0 -> igw-a, all egress: 8.8.8.8 is on the internet.
    assert check_assertion(three_tier(), assertion("allow", [web], [at("8.8.8.8/32")], TCP, [443])).verdict \
        is Verdict.HOLDS
