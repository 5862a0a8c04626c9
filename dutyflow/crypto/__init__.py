"""Encryption of what Dutyflow hands to Temporal: the payload codec and its key."""
