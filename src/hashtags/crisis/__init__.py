"""Crisis freeze: one action pauses scheduled publishing, everywhere or on one account."""
