from ai_service.adapters.orm import metadata
from bookstore_shared import migrations_env

migrations_env.run(metadata)
