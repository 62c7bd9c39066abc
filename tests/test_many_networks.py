"""check, lint and diff over many networks in one run (local processes; the Dask
cluster is in test_dask_cluster.py). Real subprocesses, expected verdicts from
the groups' rules:

- seed 1 (examples/seed/1-inbound-world-web.yaml): A admits tcp 80 and 443
  from 0.0.0.0/0, so the internet reaches A on 443; B admits nothing.
- seed 2 (examples/seed/2-inbound-from-office.yaml): A admits 80 and 443 from
  1.1.1.1/32 only, so an internet address other than 1.1.1.1 does not reach
  A on 443; B admits nothing.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from clitools import ROOT, run

SEED1 = ROOT / "examples/seed/1-inbound-world-web.yaml"
SEED2 = ROOT / "examples/seed/2-inbound-from-office.yaml"
SNAPSHOT = ROOT / "examples/aws/shop-snapshot.json"
SPEC = """assertions:
  - name: the internet reaches a on https
    allow: {from: internet, to: aws-resource-a, protocol: tcp, ports: [443]}
  - name: nothing reaches b
    deny: {from: any, to: aws-resource-b}
"""


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    """Two seed networks in a folder, and a spec."""
    (tmp_path / "nets").mkdir()
    shutil.copy(SEED1, tmp_path / "nets/web.yaml")
    shutil.copy(SEED2, tmp_path / "nets/office.yaml")
    (tmp_path / "spec.yaml").write_text(SPEC)
    return tmp_path


def _verdict_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"\S+:\d+: (holds|VIOLATED|unknown):", line)]


def test_each_verdict_names_its_network(estate):
    done = run(["check", "spec.yaml", "--network", "nets/*.yaml"], 1, cwd=estate)
    # Sorted glob order: office before web.
    assert _verdict_lines(done.stdout) == [
        "spec.yaml:2: VIOLATED: the internet reaches a on https [allow] on network nets/office.yaml",
        "spec.yaml:4: holds: nothing reaches b [deny] on network nets/office.yaml",
        "spec.yaml:2: holds: the internet reaches a on https [allow] on network nets/web.yaml",
        "spec.yaml:4: holds: nothing reaches b [deny] on network nets/web.yaml",
    ]
    assert done.stdout.splitlines()[-2:] == ["2 networks: 2 checked, 0 not checked",
                                             "4 assertions: 3 hold, 1 violated, 0 unknown"]
    # One note for all the networks, not one per network.
    assert done.stderr.count("no VPC layer") == 1


def test_repeated_network_is_the_glob_in_the_order_given(estate):
    glob = run(["check", "spec.yaml", "--network", "nets/*.yaml"], 1, cwd=estate).stdout
    repeated = run(["check", "spec.yaml", "--network", "nets/office.yaml", "--network", "nets/web.yaml"], 1,
                   cwd=estate).stdout
    assert repeated == glob
    reversed_order = run(["check", "spec.yaml", "--network", "nets/web.yaml", "--network", "nets/office.yaml"], 1,
                         cwd=estate).stdout
    assert _verdict_lines(reversed_order)[0].endswith("on network nets/web.yaml")


def test_one_network_keeps_the_usual_report(estate):
    done = run(["check", "spec.yaml", "--network", "nets/web.yaml"], 0, cwd=estate)
    assert "on network" not in done.stdout
    assert done.stdout.splitlines()[-1] == "2 assertions: 2 hold, 0 violated, 0 unknown"


def test_a_bad_network_is_an_error_entry_and_the_others_are_checked(estate):
    (estate / "nets/broken.yaml").write_text("resources: [\n")
    done = run(["check", "spec.yaml", "--network", "nets/*.yaml", "-f", "json"], 2, cwd=estate)
    data = json.loads(done.stdout)
    status = {n["path"]: n["status"] for n in data["networks"]}
    assert status == {"nets/broken.yaml": "error", "nets/office.yaml": "checked", "nets/web.yaml": "checked"}
    broken = next(n for n in data["networks"] if n["status"] == "error")
    assert broken["errors"][0].startswith("nets/broken.yaml:2: error: invalid YAML")
    assert data["summary"] == {"total": 4, "holds": 3, "violated": 1, "unknown": 0, "networks": 3,
                               "networks_not_checked": 1}
    assert {r["network"] for r in data["results"]} == {"nets/office.yaml", "nets/web.yaml"}
    assert "sgverify: network nets/broken.yaml not checked: nets/broken.yaml:2: error: invalid YAML" in done.stderr
    # Not even shadow mode passes a run that left a network unchecked.
    run(["check", "spec.yaml", "--network", "nets/*.yaml", "--soft-fail"], 2, cwd=estate)


def test_a_glob_that_matches_nothing_is_bad_input(estate):
    done = run(["check", "spec.yaml", "--network", "nowhere/*.yaml"], 2, cwd=estate)
    assert done.stderr.strip() == "sgverify: error: --network 'nowhere/*.yaml' matches no file"


def test_jobs_give_the_same_report_bytes(estate):
    for copy in range(4):  # more networks than processes
        shutil.copy(SEED2, estate / f"nets/more{copy}.yaml")
    for fmt in ("text", "json", "sarif"):
        serial = run(["check", "spec.yaml", "--network", "nets/*.yaml", "-f", fmt], 1, cwd=estate).stdout
        parallel = run(["check", "spec.yaml", "--network", "nets/*.yaml", "-f", fmt, "--jobs", "2"], 1,
                       cwd=estate).stdout
        assert parallel == serial, fmt


def test_sarif_results_carry_their_network_and_differ_by_it(estate):
    shutil.copy(SEED2, estate / "nets/office2.yaml")
    done = run(["check", "spec.yaml", "--network", "nets/*.yaml", "-f", "sarif"], 1, cwd=estate)
    (sarif_run,) = json.loads(done.stdout)["runs"]
    results = sarif_run["results"]
    assert [r["properties"]["network"] for r in results] == ["nets/office.yaml", "nets/office2.yaml"]
    assert all(r["message"]["text"].startswith(f"network {r['properties']['network']}: violated:") for r in results)
    # The same finding in two networks is two alerts, not one.
    assert results[0]["partialFingerprints"] != results[1]["partialFingerprints"]
    assert [rule["id"] for rule in sarif_run["tool"]["driver"]["rules"]] == ["the internet reaches a on https"]
    assert {r["ruleIndex"] for r in results} == {0}


def test_junit_suites_are_named_by_network(estate):
    (estate / "nets/broken.yaml").write_text("resources: [\n")
    done = run(["check", "spec.yaml", "--network", "nets/*.yaml", "-f", "junit"], 2, cwd=estate)
    import xml.etree.ElementTree as ET

    root = ET.fromstring(done.stdout.split("\n", 1)[1])
    assert [s.get("name") for s in root] == ["nets/broken.yaml: not checked", "nets/office.yaml: spec.yaml",
                                            "nets/web.yaml: spec.yaml"]
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "1", "1")


def _snapshot(folder: Path, name: str, account: str, region: str, open_db: bool) -> Path:
    data = json.loads(SNAPSHOT.read_text())
    data["SgverifySnapshot"] = {**data["SgverifySnapshot"], "Account": account, "Region": region}
    if open_db:  # the world on postgres, as a mistaken change would add
        db = next(g for g in data["SecurityGroups"] if g["GroupName"] == "shop-db")
        db["IpPermissions"].append({"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [],
                                    "PrefixListIds": [], "UserIdGroupPairs": []})
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))
    return path


def test_a_folder_of_snapshots_is_one_network_per_file_named_by_account_and_region(tmp_path):
    _snapshot(tmp_path, "fleet/111122223333/eu-west-1.json", "111122223333", "eu-west-1", open_db=False)
    _snapshot(tmp_path, "fleet/444455556666/us-east-1.json", "444455556666", "us-east-1", open_db=True)
    (tmp_path / "spec.yaml").write_text("assertions:\n"
                                        "  - name: the database is unreachable from the internet\n"
                                        "    deny: {from: internet, to: orders-db}\n")
    done = run(["check", "spec.yaml", "--network", "fleet"], 1, cwd=tmp_path)
    assert _verdict_lines(done.stdout) == [
        "spec.yaml:2: holds: the database is unreachable from the internet [deny] on network "
        "fleet/111122223333/eu-west-1.json (account 111122223333, eu-west-1)",
        "spec.yaml:2: VIOLATED: the database is unreachable from the internet [deny] on network "
        "fleet/444455556666/us-east-1.json (account 444455556666, us-east-1)",
    ]
    data = json.loads(run(["check", "spec.yaml", "--network", "fleet", "-f", "json"], 1, cwd=tmp_path).stdout)
    assert [(n["account"], n["region"]) for n in data["networks"]] == [("111122223333", "eu-west-1"),
                                                                      ("444455556666", "us-east-1")]


def test_a_folder_of_describe_output_stays_one_network(tmp_path):
    data = json.loads(SNAPSHOT.read_text())
    (tmp_path / "aws").mkdir()
    (tmp_path / "aws/groups.json").write_text(json.dumps({"SecurityGroups": data["SecurityGroups"]}))
    (tmp_path / "aws/enis.json").write_text(json.dumps({"NetworkInterfaces": data["NetworkInterfaces"]}))
    (tmp_path / "spec.yaml").write_text("assertions:\n"
                                        "  - name: the database is unreachable from the internet\n"
                                        "    deny: {from: internet, to: shop-db}\n")
    done = run(["check", "spec.yaml", "--network", "aws"], 0, cwd=tmp_path)
    assert "on network" not in done.stdout
    assert done.stdout.splitlines()[-1] == "1 assertions: 1 hold, 0 violated, 0 unknown"


def _vpc(peered: bool) -> str:
    """One VPC; peered: with a peering (and a route) to vpc-b, which no file here holds."""
    routes = "[{destination: 10.9.0.0/16, target: pcx-to-b}]" if peered else "[]"
    peerings = "{pcx-to-b: {requester: vpc-a, accepter: vpc-b, active: true}}" if peered else "{}"
    return f"""vpcs:
  vpc-a: {{cidrs: [10.0.0.0/16]}}
subnets:
  sub-a: {{vpc: vpc-a, cidrs: [10.0.1.0/24]}}
route_tables:
  rt-a: {{vpc: vpc-a, main: true, routes: {routes}}}
network_acls:
  acl-a:
    vpc: vpc-a
    default: true
    inbound: [{{number: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}}]
    outbound: [{{number: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}}]
peerings: {peerings}
security_groups:
  sg-a:
    vpc: vpc-a
    ingress: [{{protocol: tcp, ports: 443, source: 10.9.0.0/16}}]
    egress: [{{protocol: all, destination: 0.0.0.0/0}}]
resources:
  a: {{ips: [10.0.1.10], subnet: sub-a, security_groups: [sg-a]}}
"""


def test_a_peering_to_another_file_is_one_warning_line(tmp_path):
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets/a.yaml").write_text(_vpc(peered=True))
    (tmp_path / "nets/b.yaml").write_text(_vpc(peered=False))
    # Only tcp 443 from the peer's block is admitted: ssh is refused by the group, whatever the peer holds.
    (tmp_path / "spec.yaml").write_text("assertions:\n  - name: nothing reaches a on ssh\n"
                                        "    deny: {from: any, to: a, protocol: tcp, ports: [22]}\n")
    done = run(["check", "spec.yaml", "--network", "nets/*.yaml"], 0, cwd=tmp_path)
    warnings = [line for line in done.stderr.splitlines() if "outside this file" in line]
    assert warnings == ["sgverify: warning: nets/a.yaml: peering pcx-to-b to vpc-b: outside this "
                        "file, and networks are not joined across files (each file is checked on its own)"]
    assert len(_verdict_lines(done.stdout)) == 2


def test_lint_over_many_networks(estate):
    shutil.copy(ROOT / "examples/seed/5-outbound-to-office.yaml", estate / "nets/suspicious.yaml")
    done = run(["lint", "--network", "nets/*.yaml"], 1, cwd=estate)
    findings = [line for line in done.stdout.splitlines() if "SG006-suspicious-cidr" in line]
    assert findings and all(line.endswith("on network nets/suspicious.yaml") for line in findings)
    assert "3 networks: 3 checked, 0 not checked" in done.stdout
    as_json = json.loads(run(["lint", "--network", "nets/*.yaml", "-f", "json", "--jobs", "2"], 1,
                             cwd=estate).stdout)
    assert {f["network"] for f in as_json["findings"] if f["id"] == "SG006-suspicious-cidr"} == {
        "nets/suspicious.yaml"}
    # A single network keeps lint's usual report.
    single = run(["lint", "nets/suspicious.yaml"], 1, cwd=estate).stdout
    assert "on network" not in single


def test_diff_over_many_networks_pairs_files_by_name(tmp_path):
    for side in ("old", "new"):
        (tmp_path / side).mkdir()
    shutil.copy(SEED2, tmp_path / "old/shop.yaml")
    shutil.copy(SEED1, tmp_path / "new/shop.yaml")  # A opened to the world: access added
    shutil.copy(SEED1, tmp_path / "old/web.yaml")
    shutil.copy(SEED1, tmp_path / "new/web.yaml")  # unchanged
    done = run(["diff", "old/*.yaml", "new/*.yaml"], 1, cwd=tmp_path)
    heads = [line for line in done.stdout.splitlines() if line.startswith("== network")]
    assert heads == ["== network new/shop.yaml: old/shop.yaml -> new/shop.yaml",
                     "== network new/web.yaml: old/web.yaml -> new/web.yaml"]
    assert done.stdout.splitlines()[-1] == ("2 networks: 2 compared, 0 not compared; "
                                            "1 with differences the gate fails on")
    data = json.loads(run(["diff", "old/*.yaml", "new/*.yaml", "-f", "json", "--jobs", "2"], 1,
                          cwd=tmp_path).stdout)
    assert [(n["path"], n["fails"]) for n in data["networks"]] == [("new/shop.yaml", True), ("new/web.yaml", False)]
    shutil.copy(SEED1, tmp_path / "new/extra.yaml")  # no counterpart: an error entry, exit 2
    done = run(["diff", "old/*.yaml", "new/*.yaml"], 2, cwd=tmp_path)
    assert ("new/extra.yaml: error: no network of the same name on the OLD side to compare with "
            "(network new/extra.yaml not compared)") in done.stdout


def test_markdown_and_probes_are_for_one_network(estate):
    done = run(["check", "spec.yaml", "--network", "nets/*.yaml", "-f", "markdown"], 2, cwd=estate)
    assert done.stderr.strip() == ("sgverify: error: a run over many networks writes text, json, sarif, junit, "
                                   "not markdown")
    run(["check", "spec.yaml", "--network", "nets/*.yaml", "--suggest-fix"], 2, cwd=estate)


def test_diff_pairs_two_snapshot_folders_by_account_and_region(tmp_path):
    # Both sides have eu-west-1.json in two accounts: paired by ACCOUNT/REGION, not by file name alone.
    for side in ("old", "new"):
        _snapshot(tmp_path, f"{side}/111122223333/eu-west-1.json", "111122223333", "eu-west-1", open_db=False)
        _snapshot(tmp_path, f"{side}/444455556666/eu-west-1.json", "444455556666", "eu-west-1",
                  open_db=side == "new")
    done = run(["diff", "old", "new", "-f", "json"], 1, cwd=tmp_path)
    data = json.loads(done.stdout)
    assert [(n["old"], n["new"], n["fails"]) for n in data["networks"]] == [
        ("old/111122223333/eu-west-1.json", "new/111122223333/eu-west-1.json", False),
        ("old/444455556666/eu-west-1.json", "new/444455556666/eu-west-1.json", True),
    ]
    assert data["networks"][1]["name"] == "new/444455556666/eu-west-1.json (account 444455556666, eu-west-1)"
