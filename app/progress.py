"""A progress bar for long command-line runs: drawn on stderr when stderr is a terminal, silent
otherwise (pipes, files, CI and tests get plain output)."""

import sys
import time
from types import TracebackType
from typing import TextIO

WIDTH = 30
MIN_INTERVAL = 0.1  # seconds between redraws


class ProgressBar:
    """Call it with (phase, done, total) as work advances; each phase gets its own line."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._phase: str | None = None
        self._drawn_at = 0.0
        self._last = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if phase != self._phase:
            self._end_line()
            self._phase = phase
        now = time.monotonic()
        if done < total and now - self._drawn_at < MIN_INTERVAL:
            return
        self._drawn_at = now
        total = max(total, done, 1)
        filled = WIDTH * done // total
        self._last = f"\r{phase:<10} [{'#' * filled}{'.' * (WIDTH - filled)}] {done:,}/{total:,}"
        self.stream.write(self._last)
        self.stream.flush()

    def _end_line(self) -> None:
        if self._phase is not None and self._last:
            self.stream.write("\n")
            self.stream.flush()
        self._last = ""

    def close(self) -> None:
        if self.enabled:
            self._end_line()
            self._phase = None

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
