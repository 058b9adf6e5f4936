"""The garbage collector settings every service starts with (bookstore_shared.gc_tuning)."""
from __future__ import annotations

import gc
import weakref

import pytest
from bookstore_shared.gc_tuning import YOUNG_GENERATION, tune_garbage_collector


@pytest.fixture
def collector_restored_afterwards():
    threshold = gc.get_threshold()
    yield threshold
    gc.unfreeze()
    gc.set_threshold(*threshold)


class Node:
    """An object that can be part of a reference cycle."""

    other: Node | None = None


def test_the_startup_heap_is_frozen_and_only_the_young_generation_changes(
        collector_restored_afterwards):
    before = collector_restored_afterwards
    tune_garbage_collector()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 1_000  # the modules, classes and functions loaded so far
    assert gc.get_threshold() == (YOUNG_GENERATION, *before[1:])


def test_cyclic_garbage_made_while_serving_is_still_collected_without_asking(
        collector_restored_afterwards):
    tune_garbage_collector()
    a, b = Node(), Node()
    a.other, b.other = b, a
    cycle = weakref.ref(a)
    del a, b
    held = []
    for _ in range(2 * YOUNG_GENERATION):  # new tracked objects: young collections run by themselves
        held.append([])
        if cycle() is None:
            break
    assert cycle() is None, "a reference cycle was never collected"
    assert len(held) <= YOUNG_GENERATION + 1, "collected later than the young generation's size"
