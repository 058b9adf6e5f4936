"""`make soak`: minutes of orders on MySQL + RabbitMQ while a seeded chaos loop breaks things,
then a verification from the databases and the event log (issue: soak, chaos and scale)."""
