"""Domain services: every change to the business's data goes through here, called by the
views, webhooks, jobs and the CLI; they validate, change rows and plan the notices a change
causes in the same transaction, and flush but never commit, since the caller owns the
transaction and commits once."""
