"""Pure rules of roles: the handle of a role's user group."""

from __future__ import annotations


def test_a_user_group_handle_is_the_name_lowercased_and_hyphenated() -> None:
    from bot.domain.roles import user_group_handle

    assert user_group_handle("Release lead", 7) == "release-lead"
    assert user_group_handle("  Café  Host / On-call ", 7) == "cafe-host-on-call"
    assert user_group_handle("<!channel>", 7) == "channel"
    assert user_group_handle("★★", 7) == "role-7"
    assert len(user_group_handle("x" * 200, 7)) <= 40
