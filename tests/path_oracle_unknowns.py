"""Random path networks with what the input cannot know, for the differential
test of the path engine against the oracle (test_path_oracle_unknowns.py).

On top of the networks of test_path_oracle.py and path_networks_v6.py:
- opaque groups: `sg-ext`, referenced but not described (its members are not
  known, it carries no rule), named by group rules; `sg-shared`, opaque too,
  carried by some resources, with known rules or with rules wholly unknown (an
  unknown peer on every service, whose applying is unknown);
- rules with unknown parts: an unknown peer (`UnknownPeer`), or a CIDR rule
  whose applying is unknown (`service_unknown`, its service the cover of what
  it may be);
- a resource whose VPC is not known (`r-away`): in a VPC the input does not
  describe, or naming no
  VPC and a subnet not in the input (then perhaps too in the undescribed part
  of each VPC whose blocks hold its address);
- transit gateway attachments with interfaces in both subnets of their VPC
  (two zones), in either order.
Each drawn case records which of these it holds (`features`), so the tests
can show the generator really draws them.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from pathnets import TCP, UDP, rule
from sgverify.model import GroupPeer, Resource, SecurityGroup, Service, UnknownPeer, parse_address
from sgverify.spec import Kind, ResourceEndpoint

EXT, SHARED, AWAY = "sg-ext", "sg-shared", "r-away"
SERVICES = ((-1, None), (TCP, (443, 443)), (TCP, (22, 22)), (UDP, (53, 53)), (TCP, (1024, 65535)))
CIDRS = ("0.0.0.0/0", "10.0.0.0/8", "10.0.1.0/24", "8.8.0.0/16", "::/0")


@st.composite
def unknown_rules(draw, direction: str) -> list:
    """Zero to two rules with something not known about them."""
    out = []
    for _ in range(draw(st.integers(0, 2))):
        protocol, ports = draw(st.sampled_from(SERVICES))
        how = draw(st.sampled_from(["opaque", "opaque", "peer", "applies", "wholly"]))
        if how == "opaque":
            out.append(rule("", direction, protocol, ports, peer_group=EXT))
        elif how == "peer":
            out.append(replace(rule("", direction, protocol, ports, cidr="0.0.0.0/0"),
                               peer=UnknownPeer("a value known after apply")))
        elif how == "applies":
            r = rule("", direction, protocol, ports, cidr=draw(st.sampled_from(CIDRS)))
            out.append(replace(r, service_unknown="a condition known after apply"))
        else:
            out.append(wholly_unknown(direction))
    return out


def wholly_unknown(direction: str):
    """A rule of which nothing is known: any peer, any service, or none at all."""
    r = rule("", direction, cidr="0.0.0.0/0")
    return replace(r, peer=UnknownPeer("rules not in the input"), service=Service(),
                   service_unknown="rules not in the input")


def _with_rules(group: SecurityGroup, ingress, egress) -> SecurityGroup:
    def renumber(rules):
        return tuple(replace(r, group=group.key, index=i) for i, r in enumerate(rules))
    return replace(group, ingress=renumber(group.ingress + tuple(ingress)),
                   egress=renumber(group.egress + tuple(egress)))


@st.composite
def with_unknowns(draw, net):
    """The network with opaque groups and rules with unknown parts added."""
    features = set()
    groups = dict(net.groups)
    groups[EXT] = SecurityGroup(EXT, opaque=True)
    for key in sorted(g for g in groups if g != EXT):
        ingress, egress = draw(unknown_rules("ingress")), draw(unknown_rules("egress"))
        groups[key] = _with_rules(groups[key], ingress, egress)
        features |= {_feature(r) for r in ingress + egress}
    resources = dict(net.resources)
    carriers = [k for k in sorted(resources) if draw(st.integers(0, 3)) == 0]
    if carriers:
        if draw(st.booleans()):
            rules = ([wholly_unknown("ingress")], [wholly_unknown("egress")])
            features.add("opaque group with unknown rules")
        else:
            rules = ([rule("", "ingress", TCP, (443, 443), cidr="10.0.0.0/8"), rule("", "ingress", peer_group=EXT)],
                     [rule("", "egress", TCP, (443, 443), cidr="0.0.0.0/0")])
            features.add("opaque group with known rules")
        groups[SHARED] = _with_rules(SecurityGroup(SHARED, opaque=True), *rules)
        for k in carriers:
            resources[k] = replace(resources[k], groups=resources[k].groups + (SHARED,))
    return replace(net, groups=groups, resources=resources), features


def _feature(r) -> str:
    if isinstance(r.peer, GroupPeer):
        return "opaque peer"
    if isinstance(r.peer, UnknownPeer):
        return "unknown peer" + (" and service" if r.service_unknown else "")
    return "unknown applying"


AWAY_PLACES = (  # (vpc, subnet named, address)
    ("vpc-away", "subnet-away", "10.7.0.10"),  # an address no described VPC has
    ("vpc-away", "subnet-away", "10.0.1.77"),  # an address a described subnet of another VPC has
    # no VPC named: perhaps in a described VPC's undescribed part (beside r-gone-*'s
    # 10.0.9.10: one VPC never holds an address twice)
    ("", "subnet-gone", "10.0.9.20"),
    ("", "subnet-gone", "10.7.0.10"),
)


@st.composite
def with_away(draw, net, a):
    """The network with `r-away`, a resource whose VPC the input does not
    describe (its group open, or drawn as the others'), and the assertion now
    and then about it."""
    vpc, subnet, address = draw(st.sampled_from(AWAY_PLACES))
    key = "sg-r-away"
    if draw(st.booleans()):
        sg = SecurityGroup(key, ingress=(rule(key, "ingress", cidr="0.0.0.0/0"),),
                           egress=(rule(key, "egress", cidr="0.0.0.0/0"),))
    else:
        sg = _with_rules(SecurityGroup(key), [rule("", "ingress", TCP, (443, 443), cidr="10.0.0.0/8")],
                         [rule("", "egress", cidr="0.0.0.0/0")])
    away = Resource(AWAY, (key,), ips=(parse_address(address),), vpc=vpc, subnet_ids=(subnet,))
    net = replace(net, groups={**net.groups, key: sg}, resources={**net.resources, AWAY: away})
    if draw(st.booleans()):
        if a.kind is Kind.ONLY or draw(st.booleans()):
            if ResourceEndpoint(AWAY) not in a.sources:
                a = replace(a, destinations=(ResourceEndpoint(AWAY),))
        else:
            a = replace(a, sources=(ResourceEndpoint(AWAY),))
        if a.sources == a.destinations:
            a = replace(a, sources=(ResourceEndpoint(sorted(net.resources)[0]),))
    return net, a, f"resource with its VPC not known at {address}" + (" (no VPC named)" if not vpc else "")


@st.composite
def with_zones(draw, net):
    """Some attachments with an interface in each subnet of their VPC."""
    t = net.topology
    attachments, zoned = dict(t.tgw_attachments), False
    for key, att in sorted(attachments.items()):
        if att.vpc in t.vpcs and draw(st.booleans()):
            v = att.vpc.split("-", 1)[1]
            attachments[key] = replace(att, subnets=draw(st.sampled_from([(f"pub-{v}", f"priv-{v}"),
                                                                          (f"priv-{v}", f"pub-{v}")])))
            zoned = True
    return replace(net, topology=replace(t, tgw_attachments=attachments)), zoned


__all__ = ["AWAY", "EXT", "SHARED", "unknown_rules", "with_away", "with_unknowns", "with_zones",
           "wholly_unknown"]
