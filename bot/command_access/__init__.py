"""Whether a member may use one of the bot's slash commands, as the server configured it.

Buttons that do what a command does (start a poll, plan a watch party) ask this first, so a
server's command permissions (Server Settings > Integrations) cannot be bypassed by a click.
`rules` is Discord's precedence as a pure function; `cache` keeps each server's overrides for
a minute so a click costs no request most of the time.
"""
