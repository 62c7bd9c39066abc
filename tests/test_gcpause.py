"""Pausing the cyclic collector while large object graphs are built, and not
freeing them one by one when the command line exits."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref
from pathlib import Path

from sgverify.gcpause import building_objects, held

ROOT = Path(__file__).resolve().parent.parent


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


class _Graph:
    pass


def test_a_library_caller_frees_what_it_loads():
    # Only the command line holds graphs until exit; here nothing asked for it.
    graph = _Graph()
    alive = weakref.ref(graph)
    assert held(graph) is graph
    del graph
    assert alive() is None


HOLDING = """
import atexit, sys, weakref
from sgverify.gcpause import exit_without_teardown, held, hold_until_exit
atexit.register(lambda: sys.stderr.write("exit hooks ran"))  # e.g. removing temporary folders
class Graph:
    def __del__(self):
        print("freed", flush=True)
hold_until_exit()
graph = held(Graph())
alive = weakref.ref(graph)
del graph
print("held" if alive() is not None else "freed early")
sys.stdout.write("unflushed tail")  # no newline, no flush: exit must still write it
exit_without_teardown(3)
"""


def test_the_command_line_holds_graphs_and_exits_without_freeing_them():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as usual
    done = subprocess.run([sys.executable, "-c", HOLDING], capture_output=True, text=True,
                          env=dict(env, PYTHONPATH=str(ROOT)), timeout=60)
    assert done.returncode == 3
    assert done.stdout == "held\nunflushed tail"  # never "freed": no teardown ran
    assert done.stderr == "exit hooks ran"
