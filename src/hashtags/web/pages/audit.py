"""The audit log: who did what and when, with filters, a page at a time, newest first; the
chain's verification (intact, or where it breaks) and the export for regulators."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hashtags.api.deps import DbSession
from hashtags.audit import search
from hashtags.audit.models import AuditEvent
from hashtags.audit.service import ChainBreak, verify
from hashtags.people.permissions import Permission
from hashtags.web.deps import NavItem, Viewer, page, render, t
from hashtags.web.i18n import N_
from hashtags.web.messages import say

router = APIRouter()
NAV = [NavItem(N_("Audit"), "/audit", Permission.AUDIT_READ, order=70)]
Auditor = Annotated[Viewer, page(Permission.AUDIT_READ)]

FILTERS = ("actor", "action", "target_type", "target_id", "since", "until")
MAX_VALUE_CHARS = 300


def _show(viewer: Viewer, value: Any) -> str:
    """A before/after value as people read it."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return t(viewer, "yes") if value else t(viewer, "no")
    if isinstance(value, list):
        return ", ".join(_show(viewer, v) for v in value) or "—"
    if isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def changes(viewer: Viewer, before: Any, after: Any) -> list[dict[str, Any]]:
    """Rows of (field, before, after, changed) for an event's snapshots."""
    if before is None and after is None:
        return []
    if isinstance(before, dict | None) and isinstance(after, dict | None):
        old, new = before or {}, after or {}
        keys = list(old) + [k for k in new if k not in old]
        return [
            {
                "field": key,
                "before": _show(viewer, old.get(key)) if before is not None else None,
                "after": _show(viewer, new.get(key)) if after is not None else None,
                "changed": before is not None
                and after is not None
                and old.get(key) != new.get(key),
            }
            for key in keys
        ]
    return [
        {
            "field": "",
            "before": _show(viewer, before),
            "after": _show(viewer, after),
            "changed": before != after,
        }
    ]


def _date(viewer: Viewer, value: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(
            t(viewer, "Dates are written as YYYY-MM-DD: “%(value)s” was ignored.", value=value[:40])
        )
        return None


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def _problems(viewer: Viewer, problems: list[ChainBreak]) -> list[dict[str, Any]]:
    return [
        {"text": say(viewer.lang, p.said.message, p.said.params), "seq": p.seq} for p in problems
    ]


@router.get("/audit")
def audit_page(request: Request, viewer: Auditor, db: DbSession) -> HTMLResponse:
    params = request.query_params
    values = {name: (params.get(name) or "").strip()[:320] for name in FILTERS}
    errors: list[str] = []
    where = search.AuditFilter(
        actor=values["actor"],
        action=values["action"],
        target_type=values["target_type"],
        target_id=values["target_id"],
        since=_date(viewer, values["since"], errors),
        until=_date(viewer, values["until"], errors),
    )
    before, after = _number(params.get("before")), _number(params.get("after"))
    found = search.search(db, where=where, before=before, after=after)
    actions, target_types = search.choices(db)
    kept = {k: v for k, v in values.items() if v}
    chain = verify(db)
    return render(
        request,
        "audit/audit.html",
        {
            "values": values,
            "errors": errors,
            "actions": actions,
            "target_types": target_types,
            "events": [_row(viewer, e) for e in found.events],
            "newer_url": _url(kept, after=found.newer) if found.newer else None,
            "older_url": _url(kept, before=found.older) if found.older else None,
            "first_url": _url(kept) if before or after else None,
            "filtered": bool(kept),
            "chain": {
                "ok": chain.ok,
                "events": chain.events,
                "problems": _problems(viewer, chain.problems),
            },
        },
        viewer=viewer,
    )


def _row(viewer: Viewer, event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "reason": event.reason,
        "changes": changes(viewer, event.before, event.after),
        "hash": event.hash,
    }


def _url(filters: dict[str, str], **page_at: int | None) -> str:
    query = {**filters, **{k: str(v) for k, v in page_at.items() if v is not None}}
    return "/audit" + ("?" + urlencode(query) if query else "")
