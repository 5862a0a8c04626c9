"""Users, roles and bearer tokens: who may see which case (`roles`), stored hashed (`store`), who
is calling the API (`api`) and whether they may read or act on a case, with every content read
audited (`case_access`)."""
