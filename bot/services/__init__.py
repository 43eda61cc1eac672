"""Domain services: every change to the business's data goes through here.

Views, webhooks, the CLI and the conversation engine call these functions;
they validate, change rows, and plan the notices the change causes inside
the same transaction. They flush but never commit: the caller owns the
transaction and commits once.
"""
