"""Everything that leaves ReplyDesk: a notice's life from the planned row to the delivery
callback. `outbound.policy` is the pure layer (what to send, when, on which channel, in which
words); the modules here are the outbox, which plans the rows, claims and sends them
(`dispatcher`, `jobs`, `sending`, `routing`, `transports`) and follows what the provider reports
(`delivery`). Nothing here imports the web, API or webhook code."""
