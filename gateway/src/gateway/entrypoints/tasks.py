"""Two-way streams (the WebSocket proxy, the event feed) end when either direction ends."""
from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger(__name__)


async def until_first(*coroutines, what: str) -> None:
    """Run until any finishes; cancel the rest. A failure that ended it is logged, not raised."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.info(f"{what} ended", extra={"error": repr(task.exception())})
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
