"""Every Slack id the bot uses: action_id, block_id, callback_id. Builders and handlers share them."""

from __future__ import annotations

# Slash commands
CMD_TENSION = "/tension"
CMD_CONSENT = "/consent"
CMD_AGREEMENTS = "/agreements"

# Block ids
BLOCK_TENSION_TEXT = "tension_text"
BLOCK_HOME_TENSIONS = "home_tensions"
