"""Every test in the repository gets the real-infrastructure fixtures of bookstore_testing.plugin."""
pytest_plugins = ["bookstore_testing.plugin"]
