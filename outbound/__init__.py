"""Everything that leaves ReplyDesk: a notice's life from the planned row to the delivery callback.

Two layers. `outbound.policy` is pure: the vocabulary, the planner, channel
choice, opening-hours holds, rebook timing, the template sandbox, rendering,
segments, links and calendar cards. The modules directly in this package are
the outbox: they write the planned rows (`planning`, `nudge_store`,
`rebook_scan`), claim what is due (`dispatcher`), send it (`jobs`, `sending`,
`routing` and the `transports`) and follow what the provider reports
(`delivery`). The web, API and webhook code call the outbox; nothing here
imports them.
"""
