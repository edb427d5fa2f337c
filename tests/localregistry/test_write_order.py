"""Writers of one server take the write lock in the order they asked for it.

A plain ``threading.Lock`` wakes any waiter, and a thread asking again at
once often wins, so the unlucky one of 50 writers waited many turns (the
tail of ``bench/registry_load.py``). ``FifoLock`` hands the lock to the
oldest waiter.
"""

from __future__ import annotations

import threading
import time

from reconciler.localregistry._fifo import FifoLock


def _wait_for(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the threads did not queue in time"
        time.sleep(0.001)


def test_waiters_get_the_lock_in_the_order_they_asked() -> None:
    lock = FifoLock()
    order: list[int] = []
    threads: list[threading.Thread] = []

    def writer(n: int) -> None:
        with lock:
            order.append(n)

    with lock:
        for n in range(20):
            thread = threading.Thread(target=writer, args=(n,))
            thread.start()
            threads.append(thread)
            # each one queued before the next asks
            _wait_for(lambda n=n: len(lock._waiters) == n + 1)

        # A thread that asks while the others wait, as a writer finishing a
        # request and taking the next does, goes to the back of the queue.
        late = threading.Thread(target=writer, args=(99,))
        late.start()
        threads.append(late)
        _wait_for(lambda: len(lock._waiters) == 21)
    for thread in threads:
        thread.join(timeout=10)
    assert order == [*range(20), 99]


def test_the_lock_is_free_again_after_its_last_holder() -> None:
    lock = FifoLock()
    with lock:
        pass
    done = threading.Event()

    def take() -> None:
        with lock:
            done.set()

    thread = threading.Thread(target=take)
    thread.start()
    assert done.wait(5)
    thread.join(timeout=5)
    with lock:  # nobody holds it: taken at once
        pass
