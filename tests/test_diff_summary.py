"""The diff reads plain resource pairs from side summaries (summary.py).

The property tests in test_scale_regions.py compare whole diffs with the
region engine on random networks; these pin, by hand, which pairs take the
summary path and what it gives there.
"""

from __future__ import annotations

import os
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oracle
from sgverify.diff.engine import diff_networks
from sgverify.diff.summary import SummarySets
from sgverify.model import CidrPeer, Family, GroupPeer, Packet, PortRange, Service, UnknownPeer
from sgverify.model.addresses import parse_address
from sgverify.model.service import SERVICE_TOP, split_service
from sgverify.regions import Principal
from sgverify.regions.delivered import rule_is_free
from strategies import cidr, group, network, networks, resource

EXAMPLES = int(os.environ.get("SGVERIFY_EXAMPLES", "60"))

TCP = 6


def _web(port: int, extra=()):
    return network(
        [group("sg-app", egress=[(Service(), CidrPeer(cidr("0.0.0.0/0")))]),
         group("sg-web", ingress=[(Service(TCP, (PortRange(port, port),)), GroupPeer("sg-app")), *extra])],
        [resource("app", ("sg-app",), ips=("10.0.1.5",), public_ips=("3.3.3.3",)),
         resource("web", ("sg-web",), ips=("10.0.0.10",)),
         resource("floating", ("sg-app",))])


def _value(text: str) -> int:
    return parse_address(text)[1]


def test_a_plain_pair_is_read_per_address_pair():
    delivered = SummarySets(_web(443), None).delivered(Principal.resource("app"), Principal.resource("web"), Family.V4)
    # Group references match private addresses only: the public address gets nothing.
    web = _value("10.0.0.10")
    assert delivered.at(_value("10.0.1.5"), web) == list(Service(TCP, (PortRange(443, 443),)).intervals())
    assert delivered.at(_value("3.3.3.3"), web) == []


def test_pairs_the_summaries_cannot_answer_go_to_the_region_engine():
    summaries = SummarySets(_web(443, [(Service(TCP), UnknownPeer("unknown until apply"))]), None)
    app, web, floating = (Principal.resource(n) for n in ("app", "web", "floating"))
    assert summaries.delivered(app, web, Family.V4) is None  # a free choice on web's ingress
    plain = SummarySets(_web(443), None)
    assert plain.delivered(floating, web, Family.V4) is None  # no known address
    assert plain.delivered(app, app, Family.V4) is None  # itself
    assert plain.delivered(app, Principal.unmanaged(), Family.V4) is None


def _seen(changes) -> set:
    return {(str(c.region.source), str(c.region.destination), c.region.service_text) for c in changes}


def test_a_moved_port_is_one_region_each_way():
    """app -> web comes from the summaries, floating -> web (no known address) from the engine."""
    result = diff_networks(_web(443), _web(8443))
    assert result == diff_networks(_web(443), _web(8443), prune=False)
    assert _seen(result.added) == {("app", "web", "tcp/8443"), ("floating", "web", "tcp/8443")}
    assert _seen(result.removed) == {("app", "web", "tcp/443"), ("floating", "web", "tcp/443")}


def _service_edges(net) -> list[int]:
    points = {0, SERVICE_TOP}
    for r in net.all_rules():
        for lo, hi in r.service.intervals():
            points.update(p for p in (lo - 1, lo, hi, hi + 1) if 0 <= p <= SERVICE_TOP)
    return sorted(points)


def _without_choices(net):
    """The network without rules that depend on a free choice, so most pairs take the summary path."""
    def keep(r) -> bool:
        return not rule_is_free(net, r)
    groups = {k: replace(g, ingress=tuple(filter(keep, g.ingress)), egress=tuple(filter(keep, g.egress)))
              for k, g in net.groups.items()}
    return replace(net, groups=groups)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(networks(), networks().map(_without_choices)))
def test_summary_answers_agree_with_the_brute_force_evaluator(net):
    """Every answer of the summary path, packet by packet, against tests/oracle.py:
    each address pair of the two resources, at every service where a rule's match changes."""
    summaries = SummarySets(net, None)
    services = _service_edges(net)
    for family in (Family.V4, Family.V6):
        for source in sorted(net.resources):
            for destination in sorted(net.resources):
                delivered = summaries.delivered(Principal.resource(source), Principal.resource(destination), family)
                if delivered is None:
                    continue
                for s in net.resources[source].addresses(family):
                    for d in net.resources[destination].addresses(family):
                        admitted = delivered.at(s, d)
                        for point in services:
                            packet = Packet(family, s, d, *split_service(point))
                            expected = oracle.delivered(net, packet, source, destination, {})
                            got = any(lo <= point <= hi for lo, hi in admitted)
                            assert got == expected, f"{source} -> {destination}: {packet}"
