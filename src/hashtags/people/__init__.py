"""People, teams, roles and who may do what; sign-in, two-factor, sessions and API tokens."""
