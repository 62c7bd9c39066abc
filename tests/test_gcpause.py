"""Pausing the cyclic collector while large object graphs are built."""

from __future__ import annotations

import gc

from sgverify.gcpause import building_objects


def test_the_collector_is_paused_inside_and_restored_after():
    assert gc.isenabled()
    with building_objects():
        assert not gc.isenabled()
        built = [(i, str(i)) for i in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(built)  # what was built is out of the collector's reach
    gc.disable()
    try:
        with building_objects():
            pass
        assert not gc.isenabled()  # a collector that was off stays off
    finally:
        gc.enable()


def test_an_error_inside_still_restores_the_collector():
    try:
        with building_objects():
            raise ValueError("bad input")
    except ValueError:
        pass
    assert gc.isenabled()
