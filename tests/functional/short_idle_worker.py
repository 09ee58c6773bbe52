"""The source app's worker class with a 1 s idle limit, so a test can watch a dead connection go."""

from __future__ import annotations

from securedrop.gunicorn_workers import SlowClientWorker


class ShortIdleWorker(SlowClientWorker):
    idle_seconds = 1.0
