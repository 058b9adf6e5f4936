from bookstore_shared.migrations_env import run
from catalog_service.adapters.orm import metadata

run(metadata)
