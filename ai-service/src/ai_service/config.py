"""AI service settings (OPENAI_* and BOOKSTORE_AI_* names are a public interface)."""
from __future__ import annotations

from bookstore_shared.settings import BaseServiceSettings
from pydantic import AliasChoices, Field, SecretStr

# Room kept for the instructions around a chunk (system + user prompt text).
PROMPT_RESERVE_TOKENS = 1_000


class Settings(BaseServiceSettings):
    """Settings of the AI service: BOOKSTORE_AI_* (the prefix is the base's), and the OpenAI
    client's own OPENAI_API_KEY and OPENAI_BASE_URL."""

    service_name: str = "ai"

    # No key: the offline extractive summarizer writes summaries (standalone mode works).
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key"))
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url"))
    ai_model: str = Field("gpt-4-turbo", min_length=1)
    ai_context_tokens: int = Field(128_000, ge=4_000)
    ai_chunk_tokens: int | None = Field(None, ge=50)
    ai_answer_tokens: int = Field(1_024, ge=64)
    ai_max_attempts: int = Field(4, ge=1)
    ai_timeout_s: float = Field(120.0, gt=0)
    ai_backoff_s: float = Field(1.0, ge=0)
    ai_max_backoff_s: float = Field(60.0, ge=0)
    ai_workers: int = Field(1, ge=1, le=16)
    # A running job whose worker vanished (crash) is taken over after this long.
    ai_job_lease_s: float = Field(1_800.0, gt=0)
    # Jobs queued by another replica's consumer are noticed within this interval.
    ai_poll_s: float = Field(2.0, gt=0)
    ai_fetch_attempts: int = Field(5, ge=1)

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
