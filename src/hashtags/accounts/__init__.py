"""Social accounts: the company's brand accounts and employees' personal accounts (opt-in)."""
