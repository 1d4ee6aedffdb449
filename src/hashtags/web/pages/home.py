"""Home: what needs me now, and the compliance picture."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hashtags.web.deps import NavItem, SignedIn, render

router = APIRouter()
NAV = [NavItem("Home", "/", None, order=0)]


@router.get("/")
def home(request: Request, viewer: SignedIn) -> HTMLResponse:
    return render(request, "home/home.html", {}, viewer=viewer)
