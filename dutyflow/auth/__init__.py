"""Users, roles and bearer tokens: who may see which case (`roles`), stored hashed (`store`)."""
