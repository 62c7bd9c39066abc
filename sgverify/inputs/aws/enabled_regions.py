"""The Regions enabled for an account, for `sgverify snapshot --region all`.

`ec2:DescribeRegions` with `AllRegions=False` answers only the Regions the
account may use: those that need no opt-in and the opt-in Regions it has
enabled. The opt-in status of each answer is still looked at, so a Region
that says it is not opted in (or is being enabled or disabled) is never
taken, and a Region of another partition (which these credentials cannot
reach) is left out too.
"""

from __future__ import annotations

from typing import Any, Callable

from .pull import aws_errors

# The values of Region.OptInStatus under which the account may call the Region.
ENABLED = ("opt-in-not-required", "opted-in")
# Where the Regions are asked for when the profile names no Region: enabled in every commercial account.
DEFAULT_HOME = "us-east-1"


def enabled_regions(client: Any, partition: str, partition_of: Callable[[str], str]) -> list[str]:
    """The enabled Regions of `partition`, sorted; SnapshotError if DescribeRegions fails."""
    with aws_errors():
        answer = client.describe_regions(AllRegions=False)
    names = []
    for region in answer.get("Regions", []):
        # An answer without a status comes from AllRegions=False, which lists only enabled Regions.
        status = region.get("OptInStatus", "opt-in-not-required")
        if status in ENABLED and partition_of(region["RegionName"]) == partition:
            names.append(region["RegionName"])
    return sorted(set(names))
