"""Every test in the repository gets the real-infrastructure fixtures of bookstore_shared.testing."""
pytest_plugins = ["bookstore_shared.testing"]
