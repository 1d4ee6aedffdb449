"""``POST /api/v1/review``: the policy review of one text, without storing anything."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, Field

from hashtags.api.deps import require
from hashtags.errors import InvalidInput
from hashtags.people.permissions import Permission
from hashtags.people.service import Actor
from hashtags.policy.active import enforced_policy
from hashtags.review.engine import Engine, InvalidText
from hashtags.review.types import Context

router = APIRouter(tags=["review"])


class ReviewIn(BaseModel):
    text: str = Field(max_length=200_000)
    account: Literal["brand", "personal"] = "brand"
    lang: Literal["es", "en", "pt", "fr", "it", "de"] | None = None
    channel: str | None = Field(default=None, max_length=80)
    author: str | None = Field(default=None, max_length=320)
    reply_to: str | None = Field(default=None, max_length=200_000)
    models: bool = False
    """Also run the trained classifiers (toxicity, sentiment): about a millisecond more."""


def app_engine(app: FastAPI) -> Engine:
    """The engine of the policy in force (the newest saved version, else the configured file),
    compiled once per version; re-checked at most every 2 s (``hashtags.policy.active``), in a
    background thread, so that the event loop never waits on the database for it."""
    return enforced_policy(app).engine_nowait()


def policy_engine(request: Request) -> Engine:
    """The engine of the policy in force, for every route that reviews or reads the policy."""
    return app_engine(request.app)


@router.post("/review")
async def review_text(
    body: ReviewIn, request: Request, actor: Annotated[Actor, require(Permission.REVIEW_TEXT)]
) -> dict[str, Any]:
    """Review a text against the policy: verdict, findings with spans, messages and fixes."""
    engine = policy_engine(request)
    if body.lang is not None and body.lang not in engine.languages:
        raise InvalidInput("lang: %(lang)r is not one of the policy's languages", lang=body.lang)
    context = Context(
        account=body.account,
        lang=body.lang,
        channel=body.channel,
        author=body.author or actor.role.value,
        reply_to=body.reply_to,
    )
    try:
        if body.models:
            return engine.review_with_models(body.text, context).to_dict()
        return engine.review(body.text, context).to_dict()
    except InvalidText as exc:
        raise InvalidInput("text: %(problem)s", problem=exc) from None
