"""Rendering bot messages the way Rasa's REST channel returns them."""
from __future__ import annotations

from typing import Any

from gateway.channels.base import collect_messages, render_message

BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def test_text_is_stripped_and_split_on_blank_lines() -> None:
    assert render_message("u", {"text": "  Hi!\n\nHow are you?\nFine.  "}) == [
        {"recipient_id": "u", "text": "Hi!"},
        {"recipient_id": "u", "text": "How are you?\nFine."},
    ]


def test_text_with_buttons_is_one_message() -> None:
    assert render_message("u", {"text": "Pick one\n\nplease", "buttons": BUTTONS}) == [
        {"recipient_id": "u", "text": "Pick one\n\nplease", "buttons": BUTTONS}
    ]


def test_quick_replies_become_buttons() -> None:
    assert render_message("u", {"text": "Pick", "quick_replies": BUTTONS}) == [
        {"recipient_id": "u", "text": "Pick", "buttons": BUTTONS}
    ]


def test_buttons_without_text_leave_text_out() -> None:
    assert render_message("u", {"buttons": BUTTONS}) == [{"recipient_id": "u", "buttons": BUTTONS}]


def test_custom_image_and_attachment_follow_the_text_separately() -> None:
    message: dict[str, Any] = {
        "attachment": {"type": "file", "url": "f.pdf"},
        "image": "https://i.example/cat.jpg",
        "custom": {"kind": "card"},
        "text": "Here is something",
    }
    assert render_message("u", message) == [
        {"recipient_id": "u", "text": "Here is something"},
        {"recipient_id": "u", "custom": {"kind": "card"}},
        {"recipient_id": "u", "image": "https://i.example/cat.jpg"},
        {"recipient_id": "u", "attachment": {"type": "file", "url": "f.pdf"}},
    ]


def test_elements_become_title_subtitle_texts_with_their_buttons() -> None:
    message = {
        "elements": [
            {"title": "Hotel A", "subtitle": "3 stars", "buttons": BUTTONS},
            {"title": "Hotel B"},
        ]
    }
    assert render_message("u", message) == [
        {"recipient_id": "u", "text": "Hotel A : 3 stars", "buttons": BUTTONS},
        {"recipient_id": "u", "text": "Hotel B : ", "buttons": []},
    ]


def test_null_and_empty_fields_are_left_out() -> None:
    message = {"text": "hi", "buttons": None, "image": None, "custom": None, "elements": None}
    assert render_message("u", message) == [{"recipient_id": "u", "text": "hi"}]
    assert render_message("u", {"text": None, "buttons": [], "custom": {}}) == []


def test_recipient_is_the_sender_and_order_is_kept() -> None:
    messages = [{"text": "one", "recipient_id": "someone else"}, "junk", {"text": "two"}]
    assert collect_messages("w1", messages) == [
        {"recipient_id": "w1", "text": "one"},
        {"recipient_id": "w1", "text": "two"},
    ]
