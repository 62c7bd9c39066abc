"""The diff reads plain resource pairs from side summaries (summary.py).

The property tests in test_scale_regions.py compare whole diffs with the
region engine on random networks; these pin, by hand, which pairs take the
summary path and what it gives there.
"""

from __future__ import annotations

from sgverify.diff.engine import diff_networks
from sgverify.diff.summary import SummarySets
from sgverify.model import CidrPeer, Family, GroupPeer, PortRange, Service, UnknownPeer
from sgverify.model.addresses import parse_address
from sgverify.regions import Principal
from strategies import cidr, group, network, resource

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
    assert list(delivered) == [(_value("10.0.1.5"), _value("10.0.0.10"))]
    [services] = delivered.values()
    assert services == tuple(Service(TCP, (PortRange(443, 443),)).intervals())


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
