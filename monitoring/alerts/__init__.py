"""Stage "notify": the outbox (outbox.py: what a user should be told, written once per occasion in the same
transaction as its cause) and the email sender (email.py: batches, claims, retries). Detection never sends."""
