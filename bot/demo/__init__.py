"""`s3bot demo`: the real app against a local stand-in for Slack, no account needed.

story.py tells the demo; standin.py is the stand-in Web API, world.py its users and
channels, driver.py sends the signed requests Slack would, forms.py fills modals.
The tests extend the stand-in with contract checks and faults (tests/fakes/).
"""

from bot.demo.story import run_demo

__all__ = ["run_demo"]
