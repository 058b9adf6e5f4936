"""`make bench`: load generators, the runner and the report for the whole system."""
