"""`allow` to a resource whose addresses are not known and that sits in several subnets.

An internet-facing load balancer (`has_public_ip: true`, no addresses) has a node in
`pub`, whose table sends 0.0.0.0/0 to the internet gateway, and one in `nopub`, whose
main table has only the local route; its group admits tcp/80 from anywhere and NACLs
are open. Worked by hand: a client from the internet may be sent to either node; the
node in `nopub` receives the request (the gateway maps its public address) but its
reply finds no route back, so not every connection completes. Before, the nodes were
alternatives of one destination, and reaching the one in `pub` was enough.
"""

from __future__ import annotations

import json

from clitools import run

NETWORK = """\
vpcs:
  v: {cidrs: [10.0.0.0/16]}
subnets:
  pub: {vpc: v, cidrs: [10.0.1.0/24], route_table: rt}
  nopub: {vpc: v, cidrs: [10.0.2.0/24]}
route_tables:
  main: {vpc: v, main: true, routes: []}
  rt: {vpc: v, routes: [{destination: 0.0.0.0/0, target: igw}]}
network_acls:
  acl: {vpc: v, default: true, inbound: [{number: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}],
        outbound: [{number: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}]}
gateways:
  igw: {type: internet, vpc: v}
security_groups:
  web:
    vpc: v
    ingress: [{protocol: tcp, ports: 80, source: 0.0.0.0/0}]
    egress: [{protocol: all, destination: 0.0.0.0/0}]
resources:
  alb: {has_public_ip: true, subnets: [SUBNETS], security_groups: [web]}
"""

SPEC = """\
network: net.yaml
assertions:
  - name: internet reaches alb
    allow: {from: internet, to: alb, protocol: tcp, ports: [80]}
"""


def _check(tmp_path, subnets: str, code: int) -> dict:
    (tmp_path / "net.yaml").write_text(NETWORK.replace("SUBNETS", subnets))
    (tmp_path / "spec.yaml").write_text(SPEC)
    done = run(["check", "spec.yaml", "-f", "json"], code, cwd=tmp_path, env={"SGVERIFY_CACHE": "0"})
    return json.loads(done.stdout)["results"][0]


def test_every_node_of_a_resource_without_addresses_must_complete_the_connection(tmp_path):
    result = _check(tmp_path, "pub, nopub", 1)
    assert result["status"] == "violated"
    reply = [h for h in result["counterexample"]["path"] if h["reply"]]
    assert reply and "no route" in reply[-1]["outcome"]


def test_in_the_public_subnet_alone_the_connection_completes(tmp_path):
    assert _check(tmp_path, "pub", 0)["status"] == "holds"


TWO_FLEETS = """\
vpcs:
  v: {cidrs: [10.0.0.0/16]}
subnets:
  s: {vpc: v, cidrs: [10.0.1.0/24]}
route_tables:
  main: {vpc: v, main: true, routes: []}
network_acls:
  acl: {vpc: v, default: true, inbound: [{number: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}],
        outbound: [{number: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}]}
security_groups:
  web: {vpc: v, ingress: [], egress: [{protocol: all, destination: 0.0.0.0/0}]}
  app: {vpc: v, ingress: [{protocol: tcp, ports: 8080, source: web}], egress: []}
resources:
  web-1: {subnet: s, security_groups: [web]}
  app-1: {subnet: s, security_groups: [app]}
"""


def test_two_resources_of_one_subnet_never_share_an_address_in_a_counterexample(tmp_path):
    # Neither has an address; app admits 8080 from web's members: violated, by a packet
    # between two different addresses of s (two interfaces of one VPC never share one).
    (tmp_path / "net.yaml").write_text(TWO_FLEETS)
    (tmp_path / "spec.yaml").write_text(
        "network: net.yaml\nassertions:\n  - name: w\n    deny: {from: web-1, to: app-1, protocol: tcp, ports: [8080]}\n")
    result = json.loads(run(["check", "spec.yaml", "-f", "json"], 1, cwd=tmp_path,
                            env={"SGVERIFY_CACHE": "0"}).stdout)["results"][0]
    assert result["status"] == "violated"
    cx = result["counterexample"]
    assert cx["src_ip"] != cx["dst_ip"] and cx["src_ip"].startswith("10.0.1.") and cx["dst_ip"].startswith("10.0.1.")
