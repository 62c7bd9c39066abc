"""z3's statistics are read for --stats only: reading them costs as much as a small solve."""

from __future__ import annotations

from sgverify.model import TCP, CidrPeer, Service
from sgverify.solve import Options, Verdict, check_assertion
from sgverify.spec import AnyEndpoint, Kind, ResourceEndpoint, Traffic
from strategies import assertion, cidr, group, network, ports, resource


def _net():
    sg = group("sg-a", ingress=[(Service(TCP, ports(443)), CidrPeer(cidr("0.0.0.0/0")))])
    return network([sg], [resource("r", ["sg-a"], ["10.0.0.1"])])


def test_statistics_only_when_asked():
    a = assertion(Kind.DENY, [AnyEndpoint()], [ResourceEndpoint("r")], Traffic(TCP, ports(443)))
    quiet = check_assertion(_net(), a)
    asked = check_assertion(_net(), a, Options(solver_statistics=True))
    assert quiet.verdict is asked.verdict is Verdict.VIOLATED
    assert "rlimit count" not in quiet.stats.solver["IPv4"]
    assert asked.stats.solver["IPv4"]["rlimit count"] > 0
    # what the encoder handed the solver is cheap and always there
    assert quiet.stats.solver["IPv4"]["address atoms"] == asked.stats.solver["IPv4"]["address atoms"] >= 2
