"""The failed-jobs list and retry, through the real app."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hashtags.people.permissions import Role
from hashtags.publishing.models import Job, JobStatus
from hashtags.publishing.worker import WorkerOptions, run_worker
from hashtags.settings import Settings
from tests.publishing.helpers import account, scheduled_post
from tests.support.api import Person


def test_failed_jobs_are_listed_with_their_reason_and_can_be_retried(
    client: TestClient,
    people: dict[Role, Person],
    db: Session,
    factory: sessionmaker[Session],
    settings: Settings,
) -> None:
    broken = account(db, network="myspace")
    post = scheduled_post(db, accounts=[broken, account(db)])
    db.commit()
    processed = run_worker(settings, once=True, sessions=factory, options=WorkerOptions())
    assert processed == 2

    response = client.get(
        "/api/v1/publishing/jobs", params={"status": "failed"}, headers=people[Role.PR].headers
    )
    assert response.status_code == 200, response.text
    [failed] = response.json()
    assert failed["post_id"] == post.id and failed["account_id"] == broken.id
    assert failed["status"] == "failed" and failed["attempts"] == 1
    assert failed["last_error"] == (
        f"account {broken.id}: network 'myspace' is not one of sandbox, mastodon, bluesky"
    )
    everything = client.get("/api/v1/publishing/jobs", headers=people[Role.PR].headers).json()
    assert sorted(j["status"] for j in everything) == ["done", "failed"]

    url = f"/api/v1/publishing/jobs/{failed['id']}/retry"
    assert client.post(url, headers=people[Role.PR].headers).status_code == 403
    retried = client.post(url, headers=people[Role.ADMIN].headers)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["attempts"]) == ("queued", 0)
    again = client.post(url, headers=people[Role.ADMIN].headers)
    assert again.status_code == 409
    assert (
        again.json()["detail"] == f"job {failed['id']} is queued; only failed jobs can be retried"
    )
    db.expire_all()
    job = db.get(Job, failed["id"])
    assert job is not None and job.status == JobStatus.QUEUED
    assert post.status == "scheduled" and post.targets[0].status == "queued"


def test_listing_needs_a_signed_in_caller_and_a_known_status(
    client: TestClient, people: dict[Role, Person]
) -> None:
    assert client.get("/api/v1/publishing/jobs").status_code == 401
    bogus = client.get("/api/v1/publishing/jobs?status=bogus", headers=people[Role.PR].headers)
    assert bogus.status_code == 422 and bogus.json()["detail"].startswith("query.status:")
