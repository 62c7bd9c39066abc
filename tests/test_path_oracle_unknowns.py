"""The Z3 path engine against the path oracle on what the input cannot know:
opaque groups, rules with unknown parts, resources whose VPC is not known,
and transit gateway attachments in two zones (path_oracle_unknowns.py draws
them onto the networks of test_path_oracle.py and path_networks_v6.py).

Each is a free choice. The oracle enumerates them itself: it takes every
opaque membership and unknown part as matching and every placement as
possible for `deny` and `only`, none for `allow` (each such choice only adds
matches, so that is the worst case each way), and tries every zone of every
attachment in turn. So on every drawn case:
- when the engine says HOLDS, the oracle finds no violating packet under any choice;
- when it says VIOLATED, its counterexample violates the assertion under some choice.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from path_networks_v6 import free_cases
from path_oracle_unknowns import with_away, with_unknowns, with_zones
from test_path_oracle import cases
from test_path_oracle_free import _agree

QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def unknown_cases(draw):
    net, a = draw(st.one_of(cases(), free_cases()))
    net, features = draw(with_unknowns(net))
    return net, a, features


@st.composite
def away_cases(draw):
    net, a = draw(free_cases())
    if not net.resources:
        return net, a, set()
    net, a, feature = draw(with_away(net, a))
    features = {feature}
    if draw(st.booleans()):
        net, more = draw(with_unknowns(net))
        features |= more
    return net, a, features


@st.composite
def zone_cases(draw):
    net, a = draw(cases(transit=True))
    net, zoned = draw(with_zones(net))
    features = {"attachment in two zones"} if zoned else set()
    if draw(st.integers(0, 2)) == 0:
        net, more = draw(with_unknowns(net))
        features |= more
    return net, a, features


@QUICK
@given(unknown_cases())
def test_engine_agrees_with_the_path_oracle_on_opaque_groups_and_unknown_rules(case):
    _agree(*case[:2])


@QUICK
@given(away_cases())
def test_engine_agrees_with_the_path_oracle_on_resources_whose_vpc_is_not_known(case):
    _agree(*case[:2])


@QUICK
@given(zone_cases())
def test_engine_agrees_with_the_path_oracle_on_attachments_in_two_zones(case):
    _agree(*case[:2])
