"""Register, log in and log out: the API's accounts, with its HttpOnly login cookie."""
from __future__ import annotations

from fastapi import APIRouter, Request

from ..domain.forms import safe_next
from .pages import FormDep, VisitorDep, redirect, render

router = APIRouter(prefix="/shop", include_in_schema=False)


def _text(form, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


@router.get("/register")
async def register_page(request: Request, who: VisitorDep):
    return render(request, who, "shop/register.html", error=None, values={})


@router.post("/register")
async def register(request: Request, who: VisitorDep, form: FormDep):
    """Create an account, then ask the new customer to log in."""
    values = {"username": _text(form, "username"), "email": _text(form, "email")}
    password = form.get("password") if isinstance(form.get("password"), str) else ""
    answer = await who.api("POST", "/register", json={**values, "password": password})
    if answer.status_code == 201:
        return redirect(who, "/shop/login?registered=1")
    error = answer.json().get("error") or answer.json().get("message") or "Please check the form."
    return render(request, who, "shop/register.html", status=400, error=error, values=values)


@router.get("/login")
async def login_page(request: Request, who: VisitorDep):
    return render(request, who, "shop/login.html", error=None, login="",
                  next=safe_next(request.query_params.get("next")),
                  registered=request.query_params.get("registered") == "1")


@router.post("/login")
async def login(request: Request, who: VisitorDep, form: FormDep):
    """Log in with email or username; the API's cookie is passed on to the browser."""
    login_name = _text(form, "login")
    password = form.get("password") if isinstance(form.get("password"), str) else ""
    target = safe_next(_text(form, "next", 500))
    field = "email" if "@" in login_name else "username"
    answer = await who.api("POST", "/login", json={field: login_name, "password": password})
    if answer.status_code == 200:
        who.signed_in(answer)
        return redirect(who, target)
    if answer.status_code == 429:
        error = "Too many failed attempts; please wait a few minutes and try again."
    else:
        error = "The email or username and password do not match an account."
    return render(request, who, "shop/login.html", status=400 if answer.status_code != 429
                  else 429, error=error, login=login_name, next=target, registered=False)


@router.post("/logout")
async def logout(request: Request, who: VisitorDep, form: FormDep):
    """End the session in the API (its tokens stop working everywhere), then clear the cookies."""
    if who.token:
        await who.api("GET", "/logout")
    who.forget()
    return redirect(who, "/shop/")
