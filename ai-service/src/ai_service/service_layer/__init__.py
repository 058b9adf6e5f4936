"""Handlers of the AI service: queue jobs from book events, run them in worker threads."""
