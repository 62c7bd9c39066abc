"""The oracle's free choices are not vacuous: with each one broken on purpose
(not modelled at all), its hand-worked test in test_path_oracle_unknowns.py
fails, so the oracle's answer there really rests on that choice."""

from __future__ import annotations

import pytest

import path_oracle
import test_path_oracle_unknowns as hand
from path_oracle_groups import Groups
from path_oracle_walk import World
from sgverify.model import UnknownPeer

_matches = Groups._peer_matches


def _no_opaque_members(self, peer, other, address, groups, own):
    if getattr(peer, "group", None) is not None and other.kind != "resource":
        return False
    return _matches(self, peer, other, address, groups, own)


def _unknown_peers_never_match(self, peer, other, address, groups, own):
    return False if isinstance(peer, UnknownPeer) else _matches(self, peer, other, address, groups, own)


BREAKAGES = [
    (Groups, "_peer_matches", _no_opaque_members,
     hand.test_a_reference_to_an_opaque_group_may_match_any_host_but_no_resource_not_carrying_it),
    (Groups, "_peer_matches", _unknown_peers_never_match, hand.test_a_rule_with_an_unknown_peer_or_applying_may_match_or_not),
    (World, "beyond", lambda self, *args, **kwargs: [],
     hand.test_a_resource_whose_vpc_is_not_known_is_reached_only_through_what_the_input_leaves_out),
    (path_oracle, "zone_choices", lambda network: [{}], hand.test_the_zone_an_attachment_uses_is_a_free_choice),
]


@pytest.mark.parametrize("owner, name, broken, check", BREAKAGES, ids=["opaque", "unknown-peer", "elsewhere", "zones"])
def test_the_hand_worked_case_fails_once_its_free_choice_is_not_modelled(monkeypatch, owner, name, broken, check):
    check()  # as the oracle is
    monkeypatch.setattr(owner, name, broken)
    with pytest.raises(AssertionError):
        check()
