"""Pure model of the AI service: jobs, text chunking, summarisation (no I/O)."""
