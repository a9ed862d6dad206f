"""The Slack-sending side, one module per job.

`rounds` keeps round messages up to date and sends what a closed or running round
tells people; `notices` posts agreement events and meeting agendas; `outbox` is the
sender of queued messages (a table from payload type to sender); `reminders` sends
the review reminders. The decisions were committed by the services before; these
only make Slack show them.
"""
