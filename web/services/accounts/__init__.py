"""Accounts: passwords, login sessions (auth) and the accounts an administrator manages (users)."""
