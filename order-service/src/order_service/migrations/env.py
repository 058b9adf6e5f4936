from bookstore_shared.migrations_env import run
from order_service.adapters.orm import metadata

run(metadata)
