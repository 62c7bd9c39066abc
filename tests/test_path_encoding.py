"""The z3 encoding of the path agrees with the plain evaluation, on random NACLs and routes.

The evaluator (explain/path_evaluate.py) replays every counterexample, which
catches a wrong "violated"; this test catches a wrong "holds" the other way:
for random networks with no free choices it searches every representative
packet with the evaluator and compares. Representative: every boundary of
every rule, entry and range for services and client ports, every address of
every interface, and a public address per route piece.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgverify.explain.path_evaluate import Flow, PathEvaluator
from sgverify.model import Family
from sgverify.model.ends import Places
from sgverify.model.legs import Legs
from sgverify.model.service import service_point
from sgverify.solve import Verdict, check_assertion
from sgverify.solve.path_sides import allow_targets, destination_ends, source_ends
from sgverify.spec import InternetEndpoint, ResourceEndpoint

from pathnets import TCP, UDP, acl, assertion, entry, route, table, three_tier

PORTS = [22, 443, 5432, 1024, 40000]
entries = st.builds(lambda n, action, cidr, proto, port: entry(n, action, cidr, proto,
                                                              (port, port + 1000) if proto != -1 else None),
                    st.integers(1, 300), st.sampled_from(["allow", "deny"]),
                    st.sampled_from(["0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24", "10.0.2.0/24", "8.8.0.0/16"]),
                    st.sampled_from([-1, TCP, UDP]), st.sampled_from([0, 443, 1024, 5000, 32768]))


def numbered(items_and_tail):
    items, tail = items_and_tail
    items = items + ([entry(32000, "allow")] if tail else [])
    seen, out = set(), []
    for e in items:
        if e.number not in seen:
            seen.add(e.number)
            out.append(e)
    return out


networks = st.builds(
    lambda pub_in, pub_out, priv_in, priv_out, nat_route, web_public: _network(
        numbered(pub_in), numbered(pub_out), numbered(priv_in), numbered(priv_out), nat_route, web_public),
    *[st.tuples(st.lists(entries, max_size=4), st.booleans()) for _ in range(4)], st.booleans(), st.booleans())


def _network(pub_in, pub_out, priv_in, priv_out, nat_route, web_public):
    net = three_tier(public_acl=acl("acl-pub", "vpc-a", pub_in, pub_out),
                     private_acl=acl("acl-priv", "vpc-a", priv_in, priv_out),
                     web_public="54.0.0.10" if web_public else None)
    if not nat_route:
        t = net.topology
        net = replace(net, topology=replace(t, route_tables={**t.route_tables, "rt-main": table(
            "rt-main", "vpc-a", [route("0.0.0.0/0", "internet-gateway", "igw-a")], main=True)}))
    return net


def services():
    out = []
    for proto in (TCP, UDP):
        for port in (0, 22, 443, 444, 1023, 1024, 1443, 2024, 5000, 5432, 6000, 32768, 33768, 40000, 65535):
            out.append(service_point(proto, port))
    out += [service_point(1, icmp_type=8), service_point(47)]
    return out


CLIENT_PORTS = [1024, 1025, 2024, 2025, 6000, 6001, 32767, 32768, 33768, 33769, 65535]


def brute(net, a) -> bool:
    """Does the evaluator find a violation among representative packets?"""
    legs = Legs(Places(net, Family.V4))
    ev = PathEvaluator(legs)
    wanted = [s for s in services() if any(lo <= s <= hi for lo, hi in a.traffic.intervals())]
    internet_hosts = [0x08080808, 0x08081010, 0xCB007101]  # inside and outside 8.8.0.0/16 of the entries
    if a.kind.value == "allow":
        for src, space in source_ends(legs, a.sources):
            senders = [lo for lo, _ in space][:3] if src.kind.value != "outside" else internet_hosts
            for alternatives in allow_targets(legs, a.destinations):
                for s in senders:
                    for svc in wanted:
                        for port in CLIENT_PORTS:
                            if not _completes(ev, src, alternatives, s, svc, port, internet_hosts):
                                return True
        return False
    for src, space in source_ends(legs, a.sources, only=a.kind.value == "only"):
        senders = [lo for lo, _ in space][:3] if src.kind.value != "outside" else internet_hosts
        for dst, dst_space in destination_ends(legs, a.destinations):
            targets = [lo for lo, _ in dst_space][:3] if dst.kind.value != "outside" else internet_hosts
            for s in senders:
                for d in targets:
                    if s != d and any(ev.request(Flow(src, dst, s, d, svc)).ok for svc in wanted):
                        return True
    return False


def _completes(ev, src, alternatives, s, svc, port, internet_hosts) -> bool:
    """A resource: some connection reaches one of its addresses. An address
    space: a connection to each probed address completes at whichever end holds it."""
    if all(alt.address is not None for alt in alternatives):
        return any(ev.connection(Flow(src, alt.end, s, alt.address, svc, port, port)).ok for alt in alternatives)
    probes = {lo for alt in alternatives for lo, _ in alt.space[:3]} | set(internet_hosts)
    for d in sorted(probes):
        holders = [alt for alt in alternatives if any(lo <= d <= hi for lo, hi in alt.space)]
        if holders and not any(ev.connection(Flow(src, alt.end, s, d, svc, port, port)).ok for alt in holders):
            return False
    return True


ASSERTIONS = [
    assertion("deny", [InternetEndpoint()], [ResourceEndpoint("web")]),
    assertion("deny", [ResourceEndpoint("web")], [ResourceEndpoint("db")], TCP, [5432]),
    assertion("allow", [ResourceEndpoint("web")], [ResourceEndpoint("db")], TCP, [5432]),
    assertion("allow", [ResourceEndpoint("db")], [InternetEndpoint()], TCP, [443]),
    assertion("allow", [InternetEndpoint()], [ResourceEndpoint("web")], TCP, [443]),
    assertion("only", [ResourceEndpoint("web")], [ResourceEndpoint("db")]),
    assertion("deny", [ResourceEndpoint("db")], [InternetEndpoint()]),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks, st.sampled_from(ASSERTIONS))
def test_z3_verdicts_match_the_evaluator(net, a):
    verdict = check_assertion(net, a).verdict
    assert verdict is not Verdict.UNKNOWN
    assert (verdict is Verdict.VIOLATED) == brute(net, a)
