"""The region engine: exact delivered sets as a few readable rows.

What a network delivers from one *principal* (who the source is: a resource,
or unmanaged addresses, possibly narrowed to an external, a CIDR or the
internet) to another, in one family, is a union of boxes over (source
address, destination address, service). The engine computes it with interval
algebra from the model (no enumeration of addresses or ports) and returns it
in a canonical, merged form.

Stable API
----------
Principals (`principals.py`):
    Principal.resource(name), Principal.unmanaged(label, within=cidrs),
    Principal.internet(); all_principals(network);
    resolve_principals(network, name) -> [Principal] (InputError if unknown);
    address_space(network, principal, family) -> interval set.

Sets (`engine.py`, `boxes.py`):
    pair_sets(network, source, destination, family, traffic=None) -> PairSets
        .certain  boxes delivered for every free choice (opaque members,
                  unknown rule parts)
        .possible boxes delivered for some free choice (superset of certain)
    Box(sources, destinations, services): interval-set product.
    boxes.union / intersection / difference / canonical(boxes, family.top):
        exact, canonical results (equal sets give equal lists).
    difference(old: PairSets, new: PairSets) -> Difference(certain, possible):
        packets delivered in new and not in old.

Regions (`region.py`, `engine.py`):
    delivered_regions(network, *, source=None, destination=None, traffic=None,
                      family=None, progress=None) -> [Region]
    regions_of(network, pair_sets) -> [Region] (certain first, then possible)
    added_regions(old_network, new_network, source, destination, family,
                  traffic=None) -> [Region] (in new, not in old)
    attribute(network, region) -> region with that network's admitting rules.
    Region: family, source/destination (Principal), sources/destinations/
        services (interval sets), certainty (Certainty.CERTAIN | POSSIBLE),
        egress_rules, ingress_rules, egress_unfiltered, ingress_unfiltered,
        depends_on; .source_blocks/.destination_blocks (minimal CIDRs),
        .service_text (`tcp/80,443 udp/53 icmp type 8`), .public_source,
        .witness() -> Packet.

Exactness: the union of a pair's certain regions is exactly the set of
packets delivered whatever the free choices; adding the possible regions
gives exactly the set delivered for some choice. Regions of one pair never
overlap; a possible region never overlaps a certain one. Points with s == d
(not packets) may lie inside a region and mean nothing.
"""

from .boxes import Box, canonical, difference as box_difference, intersection, union
from .engine import (
    Difference,
    PairSets,
    added_regions,
    attribute,
    delivered_regions,
    difference,
    pair_sets,
    regions_of,
)
from .principals import (
    Principal,
    PrincipalKind,
    address_space,
    all_principals,
    resolve_principals,
)
from .region import Certainty, Region
from .render import cidrs_of, describe_addresses, describe_services

__all__ = [
    "Box", "Certainty", "Difference", "PairSets", "Principal", "PrincipalKind", "Region",
    "added_regions", "address_space", "all_principals", "attribute", "box_difference",
    "canonical", "cidrs_of", "delivered_regions", "describe_addresses", "describe_services",
    "difference", "intersection", "pair_sets", "regions_of", "resolve_principals", "union",
]
