"""A real rasa-sdk action server serves formbot, reminderbot and a form-switching bot over REST."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from tests.action_server.server import ActionServerProcess, start_action_server
from tests.conftest import FIXTURES, shared_path
from tests.integration.conftest import train

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionServerProcess]:
    server = start_action_server(tmp_path_factory.mktemp("action-server"))
    yield server
    server.stop()


def endpoints_file(tmp_path: Path, action_server: ActionServerProcess) -> Path:
    path = tmp_path / "endpoints.yml"
    path.write_text(f"action_endpoint:\n  url: \"{action_server.url}\"\n")
    return path


class Chat:
    """One conversation over the REST webhook."""

    def __init__(self, client: httpx.Client, sender: str) -> None:
        self.client = client
        self.sender = sender

    def say(self, text: str) -> list[str]:
        reply = self.client.post("/webhooks/rest/webhook", json={"sender": self.sender, "message": text})
        assert reply.status_code == 200, reply.text
        return [m.get("text") for m in reply.json()]

    def tracker(self) -> dict[str, Any]:
        reply = self.client.get(f"/conversations/{self.sender}/tracker")
        assert reply.status_code == 200, reply.text
        return reply.json()


def serve(tmp_path: Path, run_parley, action_server: ActionServerProcess, project: Path) -> httpx.Client:
    archive = train(project, tmp_path / "models")
    server = run_parley("-m", str(archive), "--enable-api", "--endpoints", str(endpoints_file(tmp_path, action_server)))
    return httpx.Client(base_url=server.base_url, timeout=30)


def test_formbot_validates_through_the_action_server(tmp_path: Path, run_parley, action_server) -> None:
    bot = shared_path("data", "bots", "formbot")
    with serve(tmp_path, run_parley, action_server, bot) as client:
        chat = Chat(client, "formbot-user")
        assert chat.say("/greet") == ["Hello! I am restaurant search assistant! How can I help?"]
        assert chat.say("/request_restaurant") == ["What cuisine?"]
        # validate_restaurant_form rejects an unknown cuisine and the form asks again.
        assert chat.say('/inform{"cuisine": "klingon"}') == [
            "Cuisine type is not in the database, please try again", "What cuisine?"]
        assert chat.say('/inform{"cuisine": "Afghan"}') == ["How many people?"]
        # An ignored intent interrupts the form; the chitchat rule answers and the form resumes.
        assert chat.say("/chitchat") == ["chitchat", "How many people?"]
        assert chat.say('/inform{"number": "4"}') == ["Do you want to sit outside?"]
        assert chat.say("/affirm") == ["Please provide additional preferences"]
        assert chat.say("/deny") == ["Please give your feedback on your experience so far"]
        done = chat.say("/inform")
        assert done[0] == "All done!" and "- cuisine: afghan" in done[1] and "- num_people: 4" in done[1]
        tracker = chat.tracker()
        assert tracker["active_loop"] == {}
        assert tracker["slots"]["cuisine"] == "afghan" and tracker["slots"]["num_people"] == 4
        assert tracker["slots"]["preferences"] == "no additional preferences"
        rejected = [e for e in tracker["events"] if e["event"] == "action_execution_rejected"]
        assert [e["name"] for e in rejected] == ["restaurant_form"]


def test_formbot_stop_and_deactivate(tmp_path: Path, run_parley, action_server) -> None:
    bot = shared_path("data", "bots", "formbot")
    with serve(tmp_path, run_parley, action_server, bot) as client:
        chat = Chat(client, "formbot-stop")
        assert chat.say("/request_restaurant") == ["What cuisine?"]
        assert chat.say("/stop") == ["Do you want to continue?"]
        assert chat.say("/deny") == []
        tracker = chat.tracker()
        assert tracker["active_loop"] == {} and tracker["slots"]["requested_slot"] is None
        assert [e.get("name") for e in tracker["events"] if e["event"] == "action"][-2:] == [
            "action_deactivate_loop", "action_listen"]


def test_form_switching_custom_mappings_and_failures(tmp_path: Path, run_parley, action_server) -> None:
    with serve(tmp_path, run_parley, action_server, FIXTURES / "bots" / "pizzabot") as client:
        chat = Chat(client, "pizza-user")
        assert chat.say("/request_pizza") == ["What size?"]
        assert chat.say('/inform{"size": "large"}') == ["Which pizza?"]
        # Switch forms mid-way: the pizza form rejects, the drink form takes over.
        assert chat.say("/request_drink") == ["What would you like to drink?"]
        assert chat.tracker()["active_loop"]["name"] == "drink_form"
        # action_validate_slot_mappings refuses beer: the form asks again.
        assert chat.say('/inform{"drink": "beer"}') == ["Sorry, no alcohol here.", "What would you like to drink?"]
        assert chat.say('/inform{"drink": "water"}') == ["One water coming up."]
        # Back to the pizza form: the size given earlier is kept.
        assert chat.say("/request_pizza") == ["Which pizza?"]
        assert chat.say('/inform{"kind": "margherita"}') == ["A large margherita pizza is on its way."]
        # A custom action renders a domain response with its arguments and sets a slot.
        assert chat.say("/ask_summary") == ["Summary: large pizza."]
        # Rejected and crashing actions: logged, the conversation goes on.
        assert chat.say("/test_reject") == []
        assert chat.say("/test_crash") == []
        # The drink is known already: the drink form validates it and is done at once.
        assert chat.say("/request_drink") == ["One water coming up."]
        tracker = chat.tracker()
        slots = tracker["slots"]
        assert slots["order_done"] is True and slots["drink"] == "water"
        # The custom mapping counted every message that was not rewound (the rejected one was).
        assert slots["turns"] == 10.0
        names = [(e["event"], e.get("name")) for e in tracker["events"]]
        assert ("action_execution_rejected", "action_always_rejects") in names
        assert ("action", "action_crashes") in names


def wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_reminderbot_reminder_fires_and_can_be_cancelled(tmp_path: Path, run_parley, action_server) -> None:
    bot = shared_path("data", "bots", "reminderbot")
    with serve(tmp_path, run_parley, action_server, bot) as client:
        chat = Chat(client, "reminder-user")
        assert chat.say("/greet") == ["What can I do for you?"]
        assert chat.say('/ask_remind_call{"PERSON": "John"}') == ["I will remind you in 1 second(s)."]

        def bot_texts() -> list[str]:
            return [e["text"] for e in chat.tracker()["events"] if e["event"] == "bot"]

        assert wait_for(lambda: "Remember to call John!" in bot_texts()), bot_texts()
        external = [e for e in chat.tracker()["events"] if e["event"] == "user" and e["text"].startswith("EXTERNAL")]
        assert external[0]["text"] == "EXTERNAL: EXTERNAL_reminder"
        assert external[0]["metadata"]["is_external"] is True
        assert chat.say("/ask_id") == ["The ID of this conversation is 'reminder-user'."]

        other = Chat(client, "forgetful-user")
        assert other.say('/ask_remind_call{"PERSON": "Jane"}') == ["I will remind you in 1 second(s)."]
        assert other.say("/ask_forget_reminders") == ["Okay, I will cancel all your reminders."]
        assert chat.say('/ask_remind_call{"PERSON": "Alan"}') == ["I will remind you in 1 second(s)."]
        # Once the later reminder of the first user fired, the cancelled one would have too.
        assert wait_for(lambda: "Remember to call Alan!" in bot_texts())
        time.sleep(1.0)
        events = other.tracker()["events"]
        assert not any(e["event"] == "bot" and "Jane" in str(e.get("text")) for e in events)
        assert not any(e["event"] == "user" and e["text"].startswith("EXTERNAL") for e in events)
