"""Posts, approvals and the crisis freeze through the real application."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hashtags.audit.service import verify
from hashtags.people.permissions import Role
from hashtags.publishing.worker import WorkerOptions, run_worker
from hashtags.settings import Settings
from tests.posts.helpers import ALLOW, APOLOGY, BLOCK, COMPLAINT, REVIEW
from tests.support.api import Person

API = "/api/v1"


def _brand(client: TestClient, people: dict[Role, Person]) -> int:
    response = client.post(
        f"{API}/accounts",
        json={
            "kind": "brand",
            "network": "sandbox",
            "handle": "@cafeterra@mastodon.social",
            "policy_id": "cafeterra-mastodon",
        },
        headers=people[Role.ADMIN].headers,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _post(client: TestClient, person: Person, account_id: int, text: str, **extra: Any) -> Any:
    return client.post(
        f"{API}/posts",
        json={"text": text, "account_ids": [account_id], **extra},
        headers=person.headers,
    )


def test_who_may_speak_is_enforced_by_the_server(
    client: TestClient, people: dict[Role, Person]
) -> None:
    brand = _brand(client, people)
    employee = people[Role.EMPLOYEE]
    refused = _post(client, employee, brand, ALLOW)
    assert refused.status_code == 403 and "brand accounts" in refused.json()["detail"]
    personal = client.post(
        f"{API}/me/accounts",
        json={"network": "sandbox", "handle": "@diego.martin"},
        headers=employee.headers,
    ).json()["id"]
    complaint = _post(client, employee, personal, APOLOGY, reply_to=COMPLAINT)
    assert complaint.status_code == 403 and "reply_to" in complaint.json()["detail"]
    fine = _post(client, employee, personal, "Hoy he ido al parque, qué buen tiempo")
    assert fine.status_code == 201 and fine.json()["verdict"] == "allow"
    bad = client.post(
        f"{API}/posts", json={"text": "hola", "account_ids": []}, headers=employee.headers
    )
    assert bad.status_code == 422 and "account_ids" in bad.json()["detail"]


def test_review_approve_and_publish_now(
    client: TestClient, people: dict[Role, Person], factory: sessionmaker[Session]
) -> None:
    brand = _brand(client, people)
    author = people[Role.SOCIAL_ENGAGEMENT]
    created = _post(client, author, brand, REVIEW)
    assert created.status_code == 201, created.text
    post = created.json()
    assert post["verdict"] == "review" and post["review"]["findings"][0]["rule"] == (
        "custom.black-friday"
    )
    submitted = client.post(f"{API}/posts/{post['id']}/submit", headers=author.headers)
    assert submitted.json()["status"] == "in_review"
    early = client.post(f"{API}/posts/{post['id']}/schedule", headers=author.headers)
    assert early.status_code == 409

    queue = client.get(f"{API}/approvals", headers=people[Role.COMPLIANCE].headers).json()
    assert [item["post"]["id"] for item in queue] == [post["id"]]
    request_id = queue[0]["id"]
    assert queue[0]["step"] == 1 and queue[0]["steps"] == 1
    no_reason = client.post(
        f"{API}/approvals/{request_id}/decision",
        json={"decision": "reject"},
        headers=people[Role.PR].headers,
    )
    assert no_reason.status_code == 422 and "comment" in no_reason.json()["detail"]
    approved = client.post(
        f"{API}/approvals/{request_id}/decision",
        json={"decision": "approve", "version": 1},
        headers=people[Role.PR].headers,
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    scheduled = client.post(f"{API}/posts/{post['id']}/schedule", headers=author.headers)
    assert scheduled.status_code == 200, scheduled.text
    body = scheduled.json()
    assert body["status"] == "scheduled"
    # Handed to publishing for real: the target is queued for the worker.
    assert [t["status"] for t in body["targets"]] == ["queued"]
    detail = client.get(f"{API}/posts/{post['id']}", headers=author.headers).json()
    assert [a["status"] for a in detail["approvals"]] == ["approved"]
    assert detail["approvals"][0]["decisions"][0]["email"] == people[Role.PR].email
    with factory() as db:
        assert verify(db).ok


def test_nobody_approves_their_own_post_through_the_api(
    client: TestClient, people: dict[Role, Person]
) -> None:
    brand = _brand(client, people)
    pr = people[Role.PR]
    post = _post(client, pr, brand, REVIEW).json()
    client.post(f"{API}/posts/{post['id']}/submit", headers=pr.headers)
    request_id = client.get(f"{API}/posts/{post['id']}", headers=pr.headers).json()["approvals"][0][
        "id"
    ]
    own = client.post(
        f"{API}/approvals/{request_id}/decision", json={"decision": "approve"}, headers=pr.headers
    )
    assert own.status_code == 403 and "own post" in own.json()["detail"]


def test_block_override_needs_a_reason(client: TestClient, people: dict[Role, Person]) -> None:
    brand = _brand(client, people)
    pr = people[Role.PR]
    post = _post(client, pr, brand, BLOCK).json()
    assert post["verdict"] == "block"
    submit = client.post(f"{API}/posts/{post['id']}/submit", headers=pr.headers)
    assert submit.status_code == 409 and "blocks" in submit.json()["detail"]
    url = f"{API}/posts/{post['id']}/override"
    assert client.post(url, json={"reason": "ok"}, headers=pr.headers).status_code == 403
    short = client.post(url, json={"reason": "ok"}, headers=people[Role.ADMIN].headers)
    assert short.status_code == 422 and short.json()["detail"].startswith("reason:")
    missing = client.post(url, json={}, headers=people[Role.ADMIN].headers)
    assert missing.status_code == 422 and "reason" in missing.json()["detail"]
    reason = "Announced publicly by the CEO this morning; legal cleared it."
    done = client.post(url, json={"reason": reason}, headers=people[Role.ADMIN].headers)
    assert done.status_code == 200 and done.json()["override_reason"] == reason
    resubmit = client.post(f"{API}/posts/{post['id']}/submit", headers=pr.headers)
    assert resubmit.json()["status"] == "in_review"


def test_crisis_freeze_through_the_api(client: TestClient, people: dict[Role, Person]) -> None:
    brand = _brand(client, people)
    employee, responder = people[Role.EMPLOYEE], people[Role.CRISIS_RESPONSE]
    assert client.post(f"{API}/crisis/freeze", json={}, headers=employee.headers).status_code == 403
    frozen = client.post(
        f"{API}/crisis/freeze", json={"reason": "Recall"}, headers=responder.headers
    )
    assert frozen.status_code == 200 and frozen.json()["frozen"] is True
    state = client.get(f"{API}/crisis", headers=employee.headers).json()
    assert state["frozen"] is True and state["by"] == responder.email
    one = client.post(
        f"{API}/crisis/freeze", json={"account_id": brand}, headers=responder.headers
    ).json()
    assert [a["account_id"] for a in one["accounts"]] == [brand]
    resumed = client.post(f"{API}/crisis/resume", json={}, headers=responder.headers).json()
    assert resumed["frozen"] is False and len(resumed["accounts"]) == 1
    bad = client.post(f"{API}/crisis/freeze", json={"account_id": "x"}, headers=responder.headers)
    assert bad.status_code == 422 and "account_id" in bad.json()["detail"]
    events = client.get(
        f"{API}/audit/events",
        params={"action": "crisis.freeze"},
        headers=people[Role.ADMIN].headers,
    ).json()
    assert len(events) == 2


def _publish_now(client: TestClient, person: Person, post_id: int) -> None:
    """Submit (no approval needed), publish now, and run the outbox once on the sandbox."""
    submitted = client.post(f"{API}/posts/{post_id}/submit", headers=person.headers)
    assert submitted.json()["status"] == "approved", submitted.text
    scheduled = client.post(f"{API}/posts/{post_id}/schedule", headers=person.headers)
    assert scheduled.status_code == 200, scheduled.text
    _run_outbox(client)


def test_a_published_post_is_taken_down_through_the_api(
    client: TestClient, people: dict[Role, Person], factory: sessionmaker[Session]
) -> None:
    brand = _brand(client, people)
    author = people[Role.SOCIAL_ENGAGEMENT]
    post = _post(client, author, brand, ALLOW).json()
    url = f"{API}/posts/{post['id']}/unpublish"
    early = client.post(url, headers=author.headers)
    assert early.status_code == 409 and "nothing to take down" in early.json()["detail"]
    _publish_now(client, author, post["id"])
    detail = client.get(f"{API}/posts/{post['id']}", headers=author.headers).json()
    assert [t["status"] for t in detail["targets"]] == ["published"]

    # Ordinary employees do not even see brand posts; customer service publishes on this
    # account, so it may take the post down, as the author and the crisis team may.
    assert client.post(url, headers=people[Role.EMPLOYEE].headers).status_code == 404
    bad = client.post(url, json={"account_ids": [987654]}, headers=author.headers)
    assert bad.status_code == 422 and "account_ids" in bad.json()["detail"]
    taken = client.post(url, json={"reason": "Wrong opening hours"}, headers=author.headers)
    assert taken.status_code == 202, taken.text
    (job,) = taken.json()
    assert (job["kind"], job["status"], job["post_id"]) == ("delete", "queued", post["id"])
    again = client.post(url, headers=people[Role.CRISIS_RESPONSE].headers)
    assert again.status_code == 202 and [j["id"] for j in again.json()] == [job["id"]]

    _run_outbox(client)
    detail = client.get(f"{API}/posts/{post['id']}", headers=author.headers).json()
    assert [t["status"] for t in detail["targets"]] == ["deleted"]
    jobs = client.get(f"{API}/publishing/jobs", headers=author.headers).json()
    assert {(j["kind"], j["status"]) for j in jobs} == {("publish", "done"), ("delete", "done")}
    events = client.get(
        f"{API}/audit/events",
        params={"action": "post.unpublish"},
        headers=people[Role.ADMIN].headers,
    ).json()
    assert [(e["actor"], e["reason"]) for e in events] == [  # newest first
        (people[Role.CRISIS_RESPONSE].email, None),
        (author.email, "Wrong opening hours"),
    ]
    with factory() as db:
        assert verify(db).ok


def test_only_the_owner_takes_a_post_down_from_a_personal_account(
    client: TestClient, people: dict[Role, Person]
) -> None:
    employee = people[Role.EMPLOYEE]
    personal = client.post(
        f"{API}/me/accounts",
        json={"network": "sandbox", "handle": "@diego.martin"},
        headers=employee.headers,
    ).json()["id"]
    post = _post(client, employee, personal, "Hoy he ido al parque, qué buen tiempo").json()
    _publish_now(client, employee, post["id"])
    url = f"{API}/posts/{post['id']}/unpublish"
    refused = client.post(url, headers=people[Role.ADMIN].headers)
    assert (
        refused.status_code == 403
        and "someone else's personal account" in (refused.json()["detail"])
    )
    assert client.post(url, headers=employee.headers).status_code == 202


def _run_outbox(client: TestClient) -> None:
    """The worker, once, on the test's database (the sandbox lives there too)."""
    factory = client.app.state.sessionmaker  # type: ignore[attr-defined]
    settings = Settings(env="test", secret_key="test-secret-key-for-the-suite")
    options = WorkerOptions(maintenance_seconds=None)
    run_worker(settings, once=True, sessions=factory, options=options)
