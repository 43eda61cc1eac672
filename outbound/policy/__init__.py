"""The pure policy of outbound messaging: what to send, when, on which channel and in which
words, as plain functions over plain values. Nothing here touches the database, Flask, Redis or
the network (a test keeps it so); the outbox feeds it facts and carries out what it decides."""
