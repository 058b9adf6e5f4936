"""Chat completions through the official `openai` client, with our own bounded retries."""
from __future__ import annotations

import logging
import re
from email.utils import parsedate_to_datetime

import openai
from bookstore_shared.events import utcnow
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from ..domain.exceptions import SummaryFailed

log = logging.getLogger(__name__)

_SAFE_CODE = re.compile(r"^[a-z0-9_.-]{1,64}$")


def is_transient(exc: BaseException) -> bool:
    """429, 5xx, timeouts and connection failures are worth another attempt."""
    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    return isinstance(exc, openai.APIStatusError) and (
        exc.status_code == 429 or exc.status_code >= 500)


def retry_after_s(exc: BaseException | None) -> float | None:
    """The server's Retry-After (seconds, HTTP date, or OpenAI's retry-after-ms), if any."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    try:
        if (ms := headers.get("retry-after-ms")) is not None:
            return max(0.0, float(ms) / 1000)
        if (value := headers.get("retry-after")) is not None:
            try:
                return max(0.0, float(value))
            except ValueError:
                return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None
    return None


def describe_failure(exc: BaseException, attempts: int) -> str:
    """A short, safe error for `book.summarized` (status and error code only, never a body)."""
    tried = f" after {attempts} attempts" if attempts > 1 else ""
    if isinstance(exc, openai.APITimeoutError):
        return f"the OpenAI request timed out{tried}"
    if isinstance(exc, openai.APIConnectionError):
        return f"the OpenAI API could not be reached{tried}"
    if isinstance(exc, openai.APIStatusError):
        body = exc.body
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            body = body["error"]
        code = body.get("code") if isinstance(body, dict) else None
        detail = f" ({code})" if isinstance(code, str) and _SAFE_CODE.match(code) else ""
        return f"the OpenAI request failed with HTTP {exc.status_code}{detail}{tried}"
    return f"the OpenAI request failed ({type(exc).__name__}){tried}"


class OpenAIChat:
    """A ChatModel backed by OpenAI (or any server speaking its chat-completions API)."""

    def __init__(self, *, api_key: str, model: str, base_url: str | None = None,
                 timeout_s: float = 120.0, max_attempts: int = 4, backoff_s: float = 1.0,
                 max_backoff_s: float = 60.0):
        self.model = model
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url or None,
                                     timeout=timeout_s, max_retries=0)
        self._attempts = max_attempts
        self._max_backoff = max_backoff_s
        self._backoff = wait_exponential_jitter(multiplier=backoff_s, max=max_backoff_s,
                                                jitter=backoff_s)

    def _wait(self, state: RetryCallState) -> float:
        hinted = retry_after_s(state.outcome.exception() if state.outcome else None)
        if hinted is not None:
            return min(hinted, self._max_backoff)
        return self._backoff(state)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("OpenAI request will be retried", extra={
            "attempt": state.attempt_number, "error": describe_failure(exc, 1) if exc else None,
            "sleep_s": round(state.next_action.sleep, 3) if state.next_action else None})

    def complete(self, *, system: str, prompt: str, max_tokens: int) -> str:
        """The assistant's answer; SummaryFailed on a permanent error or when attempts run out."""
        retrying = Retrying(stop=stop_after_attempt(self._attempts), wait=self._wait,
                            retry=retry_if_exception(is_transient), before_sleep=self._log_retry,
                            reraise=True)
        try:
            response = retrying(self._client.chat.completions.create, model=self.model,
                                max_tokens=max_tokens, temperature=0.3,
                                messages=[{"role": "system", "content": system},
                                          {"role": "user", "content": prompt}])
        except openai.OpenAIError as exc:
            attempts = retrying.statistics.get("attempt_number", 1)
            raise SummaryFailed(describe_failure(exc, attempts)) from None
        choices = response.choices or []
        content = choices[0].message.content if choices else None
        if not content or not content.strip():
            raise SummaryFailed("the model returned an empty answer")
        return content.strip()
