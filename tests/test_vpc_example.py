"""The three-VPC example through the real CLI: verdicts and hops worked out by hand.

examples/vpc/three-vpcs.yaml: prod (public / NAT / isolated tiers, custom NACLs),
shared (peered, routes back only to prod's app subnet), legacy (reuses prod's CIDR
and web's very address, not connected).
"""

from __future__ import annotations

import json

from clitools import ROOT, run

NETWORK = ROOT / "examples" / "vpc" / "three-vpcs.yaml"


def spec(tmp_path, *assertions: str, top: str = "") -> str:
    path = tmp_path / "spec.yaml"
    path.write_text(f"network: {NETWORK}\n{top}assertions:\n" + "".join(assertions))
    return str(path)


def test_the_bundled_spec_holds():
    done = run(["check", ROOT / "specs" / "vpc" / "three-vpcs.yaml"], 0)
    assert "13 assertions: 13 hold" in done.stdout


def test_a_peering_without_a_route_back_refutes_allow_at_the_reply(tmp_path):
    # web -> metrics: prod's public table routes 10.1.0.0/16 to the peering, so the request
    # arrives; shared's table routes only 10.0.2.0/24 back, so web's reply has no way home.
    path = spec(tmp_path, "  - {name: web uses metrics, allow: {from: web, to: metrics, protocol: tcp, ports: 9090}}\n",
                "  - {name: web never reaches metrics, deny: {from: web, to: metrics}}\n")
    done = run(["check", path, "-f", "json"], 1)
    results = {r["name"]: r for r in json.loads(done.stdout)["results"]}
    allow = results["web uses metrics"]["counterexample"]
    assert allow["failed_at"] == "reply: route back from shared-svc"
    assert any(h["step"] == "route" and h["reply"] and "dropped" in h["outcome"] for h in allow["path"])
    deny = results["web never reaches metrics"]["counterexample"]
    assert deny["src_ip"] == "10.0.1.10"  # web sends from its private address
    assert [h["element"] for h in deny["path"] if h["step"] == "route"][0].startswith("route rt-prod-public")


def test_reused_addresses_meet_only_through_the_internet(tmp_path):
    # old (legacy, 10.0.1.10 like web) reaches web only at web's public address, by both internet
    # gateways, and from its own public address; nothing reaches app, which has none.
    path = spec(tmp_path, "  - {name: old never reaches web, deny: {from: old, to: web}}\n")
    done = run(["check", path], 1)
    assert "10.0.1.10:* -> 54.10.0.10:443" in done.stdout
    assert "internet gateway igw-legacy" in done.stdout and "internet gateway igw-prod into vpc-prod" in done.stdout


def test_nacl_order_and_the_isolated_subnet(tmp_path):
    # acl-prod-data: #100 denies the public subnet before #200 would admit 5432 from the VPC.
    path = spec(tmp_path, "  - {name: web to db, deny: {from: web, to: db}}\n",
                "  - {name: app to db on linux ports, allow: {from: app, to: db, protocol: tcp, ports: 5432}}\n",
                top="client_ports: 32768-60999\n")
    run(["check", path], 0)


def test_query_and_exposure_print_the_path():
    done = run(["query", "--from", "internet", "--to", "web", "--network", NETWORK, "--protocol", "tcp", "--port", "443"], 0)
    assert "internet gateway igw-prod" in done.stdout
    exposed = run(["exposure", "db", "--network", NETWORK], 0)
    assert "internet:" not in exposed.stdout and "app:" in exposed.stdout


def test_security_groups_alone_cannot_decide_reused_addresses():
    done = run(["check", ROOT / "specs" / "vpc" / "three-vpcs.yaml", "--layers", "security-groups"], 2)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "10.0.1.10 is an address of both web (vpc-prod) and old (vpc-legacy)" in lines[0]


def test_a_network_without_vpc_layer_is_said_once_to_be_decided_by_groups_alone():
    seed = ROOT / "specs" / "seed" / "3-inbound-from-sg.yaml"
    done = run(["check", seed, seed], 0)
    assert done.stderr.count("has no VPC layer") == 1
    assert "has no VPC layer" not in run(["check", ROOT / "specs" / "vpc" / "three-vpcs.yaml"], 0).stderr


def test_report_shows_path_exposures_and_hops(tmp_path):
    out = tmp_path / "report.html"
    run(["report", "--network", NETWORK, "--spec", ROOT / "specs" / "vpc" / "three-vpcs.yaml", "-o", out], 0)
    page = out.read_text()
    assert "Who reaches each resource on the VPC path" in page
    assert "internet gateway igw-prod" in page


def test_diff_on_the_path_fails_on_a_nacl_that_opens_access(tmp_path):
    opened = tmp_path / "opened.yaml"
    text = NETWORK.read_text().replace(
        "      - {number: 100, action: deny, protocol: all, cidr: 10.0.1.0/24}   # the public subnet, first\n", "")
    opened.write_text(text)
    done = run(["diff", NETWORK, opened], 1)
    # Without #100, acl-prod-data admits 5432 from the whole VPC (#200): web gains the unmanaged
    # hosts of prod-data (no group of their own), but not db, whose group still admits only sg-app.
    assert "+ web (prod-public) -> a host in prod-data: e.g. tcp 10.0.1.10:* -> " in done.stdout
    assert "-> db (prod-data)" not in done.stdout
    assert "1 pairs gain access, 0 lose access" in done.stdout
    run(["diff", NETWORK, NETWORK], 0)
