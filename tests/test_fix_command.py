"""`sgverify fix` on native networks, through a real subprocess: the repaired file is
what a person would write (one line changed, descriptions kept), `check` proves it,
and the exit codes say fixed (0), no fix within the bounds (1) and bad input (2).

Every expected edit is worked out by hand from the rules and the cost model of
docs/fix.md: removing costs 7, narrowing ports 2, narrowing a peer 2 per block,
adding a rule that names a group 2, one per address 3."""

from __future__ import annotations

import shutil
import subprocess

from clitools import ROOT, run
from fixtools import copy_input, write_spec


WEB = "examples/seed/1-inbound-world-web.yaml"  # sg-type-a: tcp/80 and tcp/443 from 0.0.0.0/0
HTTP_LINE = "      - {protocol: tcp, ports: 80, source: 0.0.0.0/0, description: http from anywhere}\n"

NO_HTTP = """\
  - name: no http from the internet
    deny: {from: internet, to: aws-resource-a, protocol: tcp, ports: [80]}
  - name: https stays public
    allow: {from: internet, to: aws-resource-a, protocol: tcp, ports: [443]}
"""


def test_removes_the_http_rule_and_check_proves_the_written_file(tmp_path):
    # tcp/80 is admitted by ingress[0] alone. Its ports cannot narrow (80 minus 80 is
    # nothing) and its peer narrowed to the non-public space takes 8 blocks (cost 16),
    # so removing it (7) is cheapest; the https rule is left as written.
    network = tmp_path / copy_input(tmp_path, WEB)
    spec = write_spec(tmp_path, network.name, NO_HTTP)
    run(["check", spec], 1, cwd=tmp_path)  # violated before the fix
    done = run(["fix", spec, "-o", "fixed.yaml"], 0, cwd=tmp_path)
    original = network.read_text(encoding="utf-8")
    assert (tmp_path / "fixed.yaml").read_text(encoding="utf-8") == original.replace(HTTP_LINE, "")
    assert "remove sg-type-a ingress[0] (1-inbound-world-web.yaml:7)" in done.stderr
    assert "proved on a patched copy of the input" in done.stderr
    assert network.read_text(encoding="utf-8") == original  # the input is not touched
    run(["check", spec, "--network", "fixed.yaml"], 0, cwd=tmp_path)


def test_format_diff_prints_a_patch_of_the_native_file(tmp_path):
    network = tmp_path / copy_input(tmp_path, WEB)
    spec = write_spec(tmp_path, network.name, NO_HTTP)
    done = run(["fix", spec, "--format", "diff"], 0, cwd=tmp_path)
    assert done.stdout.startswith("--- ./1-inbound-world-web.yaml\n+++ ./1-inbound-world-web.yaml\n")
    assert [line for line in done.stdout.splitlines() if line[:1] in "+-" and line[:3] not in ("---", "+++")] \
        == ["-" + HTTP_LINE.rstrip("\n")]
    patched = tmp_path / "patched"
    patched.mkdir()
    shutil.copy(network, patched / network.name)
    shutil.copy(tmp_path / spec, patched / "spec.yaml")
    applied = subprocess.run(["patch", "-p0"], input=done.stdout, text=True, cwd=patched,
                             capture_output=True)
    assert applied.returncode == 0, applied.stderr
    run(["check", "spec.yaml"], 0, cwd=patched)


def test_narrows_ports_before_removing(tmp_path):
    # The office rule admits tcp 80 and 443 from 1.1.1.1/32. Denying 80 while 443 must
    # stay open leaves [443]: a narrowing (2), cheaper than removing (7) and the only
    # edit that keeps the allow.
    network = tmp_path / copy_input(tmp_path, "examples/seed/2-inbound-from-office.yaml")
    spec = write_spec(tmp_path, network.name, """\
  - name: no http from the office
    deny: {from: office, to: aws-resource-a, protocol: tcp, ports: [80]}
  - name: https from the office
    allow: {from: office, to: aws-resource-a, protocol: tcp, ports: [443]}
""")
    run(["fix", spec, "-o", "fixed.yaml"], 0, cwd=tmp_path)
    fixed = (tmp_path / "fixed.yaml").read_text(encoding="utf-8")
    assert fixed == network.read_text(encoding="utf-8").replace(
        "{protocol: tcp, ports: [80, 443], source: 1.1.1.1/32, description: web from the office only}",
        "{protocol: tcp, ports: 443, source: 1.1.1.1/32, description: web from the office only}")
    run(["check", spec, "--network", "fixed.yaml"], 0, cwd=tmp_path)


def test_narrows_a_peer_when_one_block_is_left(tmp_path):
    # ssh from 203.0.113.0/24; the upper half must lose it: 203.0.113.0/25 is left, one
    # block (cost 2), not a removal (7).
    network = tmp_path / copy_input(tmp_path, "examples/diff/before.yaml")
    spec = write_spec(tmp_path, network.name, """\
  - name: the upper half of the office has no ssh
    deny: {from: 203.0.113.128/25, to: web, protocol: tcp, ports: 22}
""")
    run(["fix", spec, "-o", "fixed.yaml"], 0, cwd=tmp_path)
    fixed = (tmp_path / "fixed.yaml").read_text(encoding="utf-8")
    assert "      - {protocol: tcp, ports: 22, source: 203.0.113.0/25, description: ssh from the office}\n" in fixed
    assert "203.0.113.0/24, description" not in fixed
    run(["check", spec, "--network", "fixed.yaml"], 0, cwd=tmp_path)


def test_adds_a_group_reference_when_the_peers_are_exactly_its_members(tmp_path):
    # B is the only member of sg-type-b, so the new ingress rule of A names the group
    # (cost 2) rather than B's address 10.0.2.10/32 (3).
    network = tmp_path / copy_input(tmp_path, WEB)
    spec = write_spec(tmp_path, network.name, """\
  - name: B reaches A over ssh
    allow: {from: aws-resource-b, to: aws-resource-a, protocol: tcp, ports: [22]}
""")
    run(["fix", spec, "-o", "fixed.yaml"], 0, cwd=tmp_path)
    fixed = (tmp_path / "fixed.yaml").read_text(encoding="utf-8")
    https = "      - {protocol: tcp, ports: 443, source: 0.0.0.0/0, description: https from anywhere}\n"
    assert https + "      - {protocol: tcp, ports: 22, source: sg-type-b, description: added by suggested fix}\n" \
        in fixed
    run(["check", spec, "--network", "fixed.yaml"], 0, cwd=tmp_path)


def test_a_spec_that_already_holds_changes_nothing(tmp_path):
    network = tmp_path / copy_input(tmp_path, WEB)
    spec = write_spec(tmp_path, network.name, """\
  - name: http from the internet
    allow: {from: internet, to: aws-resource-a, protocol: tcp, ports: [80]}
""")
    done = run(["fix", spec, "-o", "fixed.yaml"], 0, cwd=tmp_path)
    assert (tmp_path / "fixed.yaml").read_text(encoding="utf-8") == network.read_text(encoding="utf-8")
    assert "nothing to change" in done.stderr


# ---------------------------------------------------------------- exit 1: no fix within the bounds

def test_contradicting_assertions_have_no_fix(tmp_path):
    # The same packets must be denied and allowed: no edit can satisfy both.
    network = tmp_path / copy_input(tmp_path, WEB)
    spec = write_spec(tmp_path, network.name, """\
  - name: no https
    deny: {from: internet, to: aws-resource-a, protocol: tcp, ports: [443]}
  - name: https
    allow: {from: internet, to: aws-resource-a, protocol: tcp, ports: [443]}
""")
    other = write_spec(tmp_path, network.name, "  - name: B is closed\n    deny: {from: any, to: aws-resource-b}\n",
                       "other.yaml")
    done = run(["fix", spec, other, "-o", "fixed.yaml"], 1, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2  # one line per spec
    assert lines[0].startswith("sgverify: spec.yaml: no fix found: ")
    assert lines[1].startswith("sgverify: other.yaml: no fix found: ")
    assert "hold together with every other assertion" in lines[0]
    assert not (tmp_path / "fixed.yaml").exists()


def test_a_side_whose_rules_are_unknown_cannot_be_fixed(tmp_path):
    # cfngoat's WebENI carries only its VPC's default group, whose rules the template
    # does not hold: no rule can be added to its egress, so it can never send.
    template = tmp_path / copy_input(tmp_path, "examples/real/cfngoat/cfngoat.yaml")
    spec = write_spec(tmp_path, template.name, """\
  - name: the bare interface reaches the web node on http
    allow: {from: WebENI, to: EC2Instance, protocol: tcp, ports: 80}
""")
    done = run(["fix", spec, "--format", "diff"], 1, cwd=tmp_path)
    reason = [line for line in done.stderr.splitlines() if "no fix found" in line]
    assert reason == ["sgverify: spec.yaml: no fix found: 'the bare interface reaches the web node on http' "
                      "(spec.yaml:3) needs a rule on the egress of WebENI (vpc-default), and none can be added "
                      "there (its groups are not described in the input, or not written as text)"]
    assert done.stdout == ""


# ---------------------------------------------------------------- exit 2: bad input

def test_bad_spec_is_one_line_with_its_place(tmp_path):
    (tmp_path / "spec.yaml").write_text("network: net.yaml\nassertions: [\n", encoding="utf-8")
    done = run(["fix", "spec.yaml"], 2, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sgverify: spec.yaml:")


def test_missing_network_file(tmp_path):
    spec = write_spec(tmp_path, "nowhere.yaml", NO_HTTP)
    done = run(["fix", spec], 2, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "nowhere.yaml" in lines[0]


def test_no_network_at_all(tmp_path):
    (tmp_path / "spec.yaml").write_text("assertions:\n" + NO_HTTP, encoding="utf-8")
    done = run(["fix", "spec.yaml"], 2, cwd=tmp_path)
    assert done.stderr.strip().splitlines() == ["sgverify: error: no network given: pass --network FILE"]


def test_an_unknown_name_in_the_spec_names_its_line(tmp_path):
    network = tmp_path / copy_input(tmp_path, WEB)
    spec = write_spec(tmp_path, network.name, "  - name: x\n    deny: {from: internet, to: no-such-thing}\n")
    done = run(["fix", spec], 2, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sgverify: spec.yaml:4:") and "no-such-thing" in lines[0]


def test_an_input_without_files_to_patch_is_bad_input(tmp_path):
    snapshot = tmp_path / copy_input(tmp_path, "examples/aws/shop-snapshot.json")
    spec = write_spec(tmp_path, snapshot.name,
                      "  - name: x\n    deny: {from: internet, to: shop-alb, protocol: tcp, ports: 22}\n")
    done = run(["fix", spec], 2, cwd=tmp_path)
    assert done.stderr.strip().splitlines() == [
        "sgverify: shop-snapshot.json: error: fix writes native, Terraform (.tf) and CloudFormation (YAML) "
        "input, not aws; `check --suggest-fix` shows a fix for it"]


def test_specs_naming_two_networks_need_one(tmp_path):
    first = write_spec(tmp_path, copy_input(tmp_path, WEB), NO_HTTP, "a.yaml")
    second = write_spec(tmp_path, copy_input(tmp_path, "examples/seed/2-inbound-from-office.yaml"), NO_HTTP, "b.yaml")
    done = run(["fix", first, second], 2, cwd=tmp_path)
    assert len(done.stderr.strip().splitlines()) == 1 and "2 networks" in done.stderr


def test_a_json_network_is_not_rewritten(tmp_path):
    # Its items cannot be written back in place as JSON: refused up front, not guessed.
    import json

    import yaml

    network = tmp_path / "net.json"
    network.write_text(json.dumps(yaml.safe_load((ROOT / WEB).read_text(encoding="utf-8")), indent=2),
                       encoding="utf-8")
    spec = write_spec(tmp_path, network.name, NO_HTTP)
    done = run(["fix", spec, "--format", "diff"], 2, cwd=tmp_path)
    assert done.stderr.strip().splitlines() == [
        "sgverify: net.json: error: fix writes YAML networks (`sgverify import` writes one); this one is JSON"]


def test_a_connection_a_nacl_drops_gets_entries_before_the_deny(tmp_path):
    # web (10.0.1.10, prod-public) to db (10.0.3.10, prod-data) on 5432, worked out by hand:
    # - sg-db admits 5432 only from sg-app: web is sg-web's only member, so the new rule
    #   names sg-web; sg-web's egress admits all.
    # - acl-prod-data inbound #100 denies 10.0.1.0/24 before #200 could allow: an allow
    #   entry for web's private address goes just before it, #99.
    # - the reply (tcp to the client ports 1024-65535) leaves prod-data, whose outbound
    #   admits only 10.0.2.0/24: nothing matches, so an entry after the highest, #110.
    # - the reply enters prod-public through its inbound #110 (1024-65535 from anywhere).
    network = tmp_path / copy_input(tmp_path, "examples/vpc/three-vpcs.yaml")
    spec = write_spec(tmp_path, network.name, """\
  - name: web reaches the database on postgres
    allow: {from: web, to: db, protocol: tcp, ports: 5432}
""")
    run(["check", spec], 1, cwd=tmp_path)
    done = run(["fix", spec, "--format", "diff"], 0, cwd=tmp_path)
    assert [line for line in done.stdout.splitlines() if line[:1] in "+-" and line[:3] not in ("---", "+++")] == [
        "+      - {number: 99, action: allow, protocol: tcp, ports: 5432, cidr: 10.0.1.10/32}",
        "+      - {number: 110, action: allow, protocol: tcp, ports: 1024-65535, cidr: 10.0.1.10/32}",
        "-    ingress: [{protocol: tcp, ports: 5432, source: sg-app}]",
        "+    ingress: [{protocol: tcp, ports: 5432, source: sg-app}, "
        "{protocol: tcp, ports: 5432, source: sg-web, description: added by suggested fix}]"]
    run(["fix", spec, "-o", "fixed.yaml"], 0, cwd=tmp_path)
    run(["check", spec, "--network", "fixed.yaml"], 0, cwd=tmp_path)
