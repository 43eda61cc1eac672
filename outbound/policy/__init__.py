"""The pure policy of outbound messaging: what to send, when, on which channel and in which words.

Nothing here touches the database, Flask, Redis or the network (a test keeps it so):
the vocabulary every layer shares, the planner, channel choice, opening-hours holds,
rebook timing, the template sandbox and rendering, SMS segments, customer links and
calendar cards. The outbox layer (the rest of `outbound`) feeds it rows as plain facts
and carries out what it decides.
"""
