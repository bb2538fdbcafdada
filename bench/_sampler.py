"""An in-process CPU sampler for bench/roundtrip.py where py-spy cannot attach (no ptrace).

Run a module under it: ``python -m bench._sampler OUT RATE module args...``. A daemon thread
wakes RATE times a second, reads every other thread's stack and the CPU time that thread used
since the last wake (its own CPU clock), and adds that CPU (in units of 100 µs) to the stack
(or, when the thread is found waiting for work, to the stack it was last seen busy in):
py-spy's raw collapsed format (``func (file:line);...`` root first, then the count), which
``bench.roundtrip.read_samples`` reads. Idle threads use no CPU and so add nothing. The file is
rewritten every second and at exit. The sampler's own CPU is not counted in the stacks (the
process total, read from /proc, includes it: at 100 Hz about 1-2 % of a core).

A hazard: in about one run in eight a sampled process died of SIGSEGV (on main's code as on
newer code, never without the sampler so far), most likely from reading the frames of another
thread while SQLAlchemy's greenlets switch stacks; faulthandler writes the stacks to the
process's log. Rerun when it happens.
"""

from __future__ import annotations

import atexit
import faulthandler
import os
import runpy
import sys
import threading
import time
from collections import Counter
from types import FrameType

UNIT = 1e-4
"""Seconds of CPU per count."""
IDLE = {("_worker", "thread.py"), ("select", "selectors.py"), ("wait", "threading.py")}
"""Where a thread waits for work: CPU found there was used just before, by the stack seen last."""


def _idle(frame: FrameType) -> bool:
    return (frame.f_code.co_name, os.path.basename(frame.f_code.co_filename)) in IDLE


def _stack(frame: FrameType | None) -> str:
    parts = []
    while frame is not None:
        code = frame.f_code
        parts.append(f"{code.co_name} ({code.co_filename}:{frame.f_lineno})")
        frame = frame.f_back
    return ";".join(reversed(parts))


class Sampler:
    def __init__(self, out: str, rate: float) -> None:
        self.out = out
        self.period = 1.0 / rate
        self.counts: Counter[str] = Counter()
        self.cpu: dict[int, float] = {}
        self.last: dict[int, str] = {}
        self.lock = threading.Lock()

    def _clock(self, ident: int) -> float | None:
        try:
            return time.clock_gettime(time.pthread_getcpuclockid(ident))
        except (OSError, OverflowError):
            return None

    def sample(self) -> None:
        me = threading.get_ident()
        frames = sys._current_frames()
        for ident, frame in frames.items():
            if ident == me:
                continue
            now = self._clock(ident)
            if now is None:
                continue
            before = self.cpu.get(ident)
            self.cpu[ident] = now
            if before is None:
                continue
            units = round((now - before) / UNIT)
            idle = _idle(frame)
            stack = self.last.get(ident) if idle else None
            if stack is None:
                stack = _stack(frame)
            if not idle:
                self.last[ident] = stack
            if units > 0:
                with self.lock:
                    self.counts[stack] += units

    def dump(self) -> None:
        with self.lock:
            lines = [f"{stack} {n}\n" for stack, n in self.counts.items()]
        tmp = self.out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.writelines(lines)
        os.replace(tmp, self.out)

    def run(self) -> None:
        last_dump = time.monotonic()
        while True:
            time.sleep(self.period)
            self.sample()
            if time.monotonic() - last_dump > 1.0:
                self.dump()
                last_dump = time.monotonic()


def main() -> None:
    faulthandler.enable()  # a crash of the sampled process leaves its stacks in its log
    out, rate, module, *rest = sys.argv[1:]
    sampler = Sampler(out, float(rate))
    threading.Thread(target=sampler.run, name="bench-sampler", daemon=True).start()
    atexit.register(sampler.dump)
    sys.argv = [module, *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
