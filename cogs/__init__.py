"""Discord adapters: slash commands, buttons and embeds. Thin: they parse, call bot/, and reply."""
