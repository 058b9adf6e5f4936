"""AI service settings (OPENAI_* and BOOKSTORE_AI_* names are a public interface)."""
from __future__ import annotations

from bookstore_shared.settings import BaseServiceSettings
from pydantic import AliasChoices, Field, SecretStr

# Room kept for the instructions around a chunk (system + user prompt text).
PROMPT_RESERVE_TOKENS = 1_000


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class Settings(BaseServiceSettings):
    """Settings of the AI service."""

    service_name: str = "ai"

    # No key: the offline extractive summarizer writes summaries (standalone mode works).
    openai_api_key: SecretStr | None = Field(None, validation_alias=_env("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=_env("OPENAI_BASE_URL"))
    ai_model: str = Field("gpt-4-turbo", validation_alias=_env("BOOKSTORE_AI_MODEL"), min_length=1)
    ai_context_tokens: int = Field(128_000, validation_alias=_env("BOOKSTORE_AI_CONTEXT_TOKENS"),
                                   ge=4_000)
    ai_chunk_tokens: int | None = Field(None, validation_alias=_env("BOOKSTORE_AI_CHUNK_TOKENS"),
                                        ge=50)
    ai_answer_tokens: int = Field(1_024, validation_alias=_env("BOOKSTORE_AI_ANSWER_TOKENS"),
                                  ge=64)
    ai_max_attempts: int = Field(4, validation_alias=_env("BOOKSTORE_AI_MAX_ATTEMPTS"), ge=1)
    ai_timeout_s: float = Field(120.0, validation_alias=_env("BOOKSTORE_AI_TIMEOUT_S"), gt=0)
    ai_backoff_s: float = Field(1.0, validation_alias=_env("BOOKSTORE_AI_BACKOFF_S"), ge=0)
    ai_max_backoff_s: float = Field(60.0, validation_alias=_env("BOOKSTORE_AI_MAX_BACKOFF_S"),
                                    ge=0)
    ai_workers: int = Field(1, validation_alias=_env("BOOKSTORE_AI_WORKERS"), ge=1, le=16)
    # A running job whose worker vanished (crash) is taken over after this long.
    ai_job_lease_s: float = Field(1_800.0, validation_alias=_env("BOOKSTORE_AI_JOB_LEASE_S"), gt=0)
    # Jobs queued by another replica's consumer are noticed within this interval.
    ai_poll_s: float = Field(2.0, validation_alias=_env("BOOKSTORE_AI_POLL_S"), gt=0)
    ai_fetch_attempts: int = Field(5, validation_alias=_env("BOOKSTORE_AI_FETCH_ATTEMPTS"), ge=1)

    @property
    def provider(self) -> str:
        """`openai` when a key is configured, else `offline`."""
        return "openai" if self.openai_api_key else "offline"

    @property
    def chunk_tokens(self) -> int:
        """Tokens of book text per request: inside the context, leaving room for prompt + answer.

        The token count is an estimate (see domain.text), so the default keeps a quarter of the
        room free for its error; BOOKSTORE_AI_CHUNK_TOKENS can only lower the ceiling.
        """
        ceiling = self.ai_context_tokens - PROMPT_RESERVE_TOKENS - self.ai_answer_tokens
        if self.ai_chunk_tokens:
            return max(50, min(self.ai_chunk_tokens, ceiling))
        return max(50, ceiling * 3 // 4)
