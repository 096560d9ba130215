"""Review pages: the signed link from an email, and "Waiting for me" for people who
sign in. GET and HEAD only show; POST with a CSRF token acts, through the services.

A link identifies its reviewer for one step only: nobody is logged in by it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.language import language_activate_for
from responder.accounts.models import User
from responder.client_address import client_address
from responder.errors import ConflictError, PermissionDenied, ValidationError
from responder.inbox import checks as outgoing
from responder.inbox.models import Case
from responder.inbox.thread import case_thread
from responder.redirects import same_site_path
from responder.web.review_forms import (
    DECISION_ACTIONS,
    CommentForm,
    ConsultationForm,
    ReviewAction,
    ReviewDecisionForm,
)
from workflows import tokens
from workflows.consultations import (
    comment_add,
    comment_participant,
    consultation_request,
    experts_for_consultation,
)
from workflows.models import ApprovalStep, Consultation, StepStatus
from workflows.review_selectors import (
    case_comments,
    case_decisions,
    consultations_waiting_for,
    draft_diff,
    step_approval_count,
)
from workflows.selectors import steps_waiting_for
from workflows.services import approval_decide
from workflows.undo import reply_undo, reply_undo_offer

REVIEW_ACTIONS: tuple[str, ...] = (*DECISION_ACTIONS, ReviewAction.COMMENT)
CONSULT_ACTIONS: tuple[str, ...] = (ReviewAction.COMMENT,)


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR, or the client behind one of our proxies (TRUSTED_PROXIES).
    return client_address(request)


def _problem_page(
    request: HttpRequest, *, status: int, title: Any, advice: Any, detail: str = ""
) -> HttpResponse:
    return render(
        request,
        "workflows/review_error.html",
        {"title": title, "advice": advice, "detail": detail},
        status=status,
    )


def _link_problem(request: HttpRequest, error: tokens.LinkError) -> HttpResponse:
    status, title, advice = tokens.PROBLEMS[error.problem]
    if error.problem == tokens.LinkProblem.REVOKED:
        advice = _revoked_advice(request, error)
    response = _problem_page(request, status=status, title=title, advice=advice)
    response["X-Review-Link-Problem"] = error.problem.value
    return response


def _revoked_advice(request: HttpRequest, error: tokens.LinkError) -> str:
    """Why a reviewer taken off the step can no longer use it, in their language."""
    if error.user is not None:
        language_activate_for(request, error.user)
    if error.since is None:
        return str(tokens.REVOKED_UNDATED)
    day = date_format(timezone.localtime(error.since), "DATE_FORMAT")
    return str(tokens.PROBLEMS[tokens.LinkProblem.REVOKED][2]) % {"date": day}


def _review_context(
    *,
    step: ApprovalStep | None,
    case: Case,
    form: ReviewDecisionForm,
    allowed: tuple[str, ...],
    consultation: Consultation | None = None,
    reviewer: User | None = None,
) -> dict[str, Any]:
    draft = step.draft if step is not None else case.drafts.order_by("-version").first()
    context: dict[str, Any] = {
        "case": case,
        "step": step,
        "draft": draft,
        "draft_diff": draft_diff(draft=draft) if draft is not None else None,
        "thread": case_thread(case=case),
        "decisions": case_decisions(case=case),
        "comments": case_comments(case=case),
        "form": form,
        "allowed": allowed,
        "consultation": consultation,
        "reviewer": reviewer,
        "can_decide": any(a in allowed for a in DECISION_ACTIONS),
    }
    if step is not None:
        context["approvals"] = step_approval_count(step=step)
    if draft is not None:
        # The exact text the poster will send, @handle included, and its length as the
        # platform counts it: what the reviewer approves.
        posted = outgoing.full_reply_text(case=case, text=draft.text)
        length = outgoing.reply_length(platform=case.platform, text=posted)
        context.update(
            posted_text=posted,
            posted_length=length,
            limit=outgoing.platform_limit(case.platform),
            prefix=outgoing.reply_prefix(case),
        )
    return context


def _initial(step: ApprovalStep | None) -> dict[str, str]:
    return {"edited_text": step.draft.text} if step is not None else {}


def _act(
    request: HttpRequest,
    *,
    form: ReviewDecisionForm,
    user: User,
    step: ApprovalStep | None,
    case: Case,
    via: str,
    consultation: Consultation | None = None,
) -> str:
    """Carry out the validated action; return what happened, for the done page."""
    data = form.cleaned_data
    action = data["action"]
    if action == ReviewAction.COMMENT:
        comment_add(
            case_id=case.pk,
            author=user,
            text=data["comment"],
            via=via,
            consultation_id=consultation.pk if consultation is not None else None,
        )
        return "comment"
    assert step is not None
    approval_decide(
        step_id=step.pk,
        reviewer=user,
        decision=action,
        via=via,
        comment=data.get("comment", ""),
        edited_text=data.get("edited_text", "") if action == ReviewAction.EDIT_APPROVE else "",
    )
    return str(action)


def _service_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    if isinstance(exc, PermissionDenied):
        return _problem_page(
            request,
            status=403,
            title=_("You cannot do this"),
            advice=_("Only the reviewers of this request can decide it."),
            detail=str(exc),
        )
    message = getattr(exc, "message", None) or str(exc)
    return _problem_page(
        request,
        status=409,
        title=_("This request has moved on"),
        advice=_("Nothing was changed. Reload the case to see where it stands."),
        detail=str(message),
    )


def _done_page(
    request: HttpRequest,
    *,
    outcome: str,
    case: Case,
    step: ApprovalStep | None,
    user: User | None = None,
    undo_url: str = "",
) -> HttpResponse:
    context: dict[str, Any] = {"outcome": outcome, "case": case, "step": step}
    if user is not None and undo_url:  # the approval sent the reply on its way: Undo
        case.refresh_from_db()
        context.update(undo_offer=reply_undo_offer(user=user, case=case), undo_url=undo_url)
    return render(request, "workflows/review_done.html", context)


def _review_page(
    request: HttpRequest,
    *,
    user: User,
    case: Case,
    step: ApprovalStep | None,
    allowed: tuple[str, ...],
    via: str,
    done: Callable[[str], HttpResponse],
    consultation: Consultation | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The review page, for an emailed link and for the signed-in pages alike: GET
    shows it; POST carries out the chosen action (`_act`) and answers with
    `done(outcome)`, or shows the page again with the error. `allowed` empty means
    nothing may be done any more."""
    edit_checks: list[outgoing.CheckResult] = []
    if request.method == "POST":
        form = ReviewDecisionForm(request.POST, allowed=allowed or ("none",))
        if form.is_valid():
            try:
                outcome = _act(
                    request,
                    form=form,
                    user=user,
                    step=step,
                    case=case,
                    via=via,
                    consultation=consultation,
                )
            except outgoing.OutgoingTextRefused as exc:
                # The reviewer's edit fails a hard check: keep their text, and show
                # every check beside the edit box.
                form.add_error("edited_text", exc)
                edit_checks = exc.results
            except ValidationError as exc:
                form.add_error(None, exc)
            except (ConflictError, PermissionDenied) as exc:
                return _service_error(request, exc)
            else:
                return done(outcome)
        status = 400
    else:
        form = ReviewDecisionForm(initial=_initial(step), allowed=allowed or ("none",))
        status = 200
    context = _review_context(
        step=step,
        case=case,
        form=form,
        allowed=allowed,
        consultation=consultation,
        reviewer=user,
    )
    context["edit_checks"] = edit_checks
    context.update(extra or {})
    return render(request, "workflows/review.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def review_link(request: HttpRequest, token: str) -> HttpResponse:
    """The page an emailed link opens. It acts only on POST (mail scanners follow links)."""
    if not tokens.link_attempt_allowed(token=token, client_ip=client_ip(request)):
        return _problem_page(
            request,
            status=429,
            title=_("Too many attempts"),
            advice=_("Wait a few minutes, then open the link from your email again."),
        )
    try:
        link = tokens.link_resolve(token, session_user=request.user)
    except tokens.LinkError as error:
        return _link_problem(request, error)
    # The emailed person's page, in their language (as their email was).
    language_activate_for(request, link.user)

    if link.purpose == tokens.Purpose.CONSULT:
        assert link.consultation is not None
        case, step, allowed = link.consultation.case, None, CONSULT_ACTIONS
    else:
        assert link.step is not None
        case, step, allowed = link.step.case, link.step, REVIEW_ACTIONS

    def done(outcome: str) -> HttpResponse:
        if outcome == ReviewAction.COMMENT and step is not None:
            messages.success(request, _("Your comment was added."))
            return HttpResponseRedirect(request.path)
        return _done_page(
            request,
            outcome=outcome,
            case=case,
            step=step,
            user=link.user,
            undo_url=reverse("workflows:link-undo", args=[token]) if step is not None else "",
        )

    return _review_page(
        request,
        user=link.user,
        case=case,
        step=step,
        allowed=allowed,
        via="email",
        done=done,
        consultation=link.consultation,
        extra={"via_link": True},
    )


def _require_reviewer(user: User) -> None:
    # A reviewing role somewhere (delegates must hold one too), or consulted.
    if not (
        authz.departments_where(user, roles=authz.REVIEWING_ROLES) != set()
        or Consultation.objects.filter(expert=user).exists()
    ):
        raise PermissionDenied(_("This page is for subject-matter experts and approvers."))


@never_cache
@login_required
def review_mine(request: HttpRequest) -> HttpResponse:
    """Waiting for me: the open steps this person may decide, and consultations."""
    user: User = request.user  # type: ignore[assignment]
    _require_reviewer(user)
    steps = list(steps_waiting_for(user=user))
    for step in steps:
        step.approvals = step_approval_count(step=step)  # type: ignore[attr-defined]
    return render(
        request,
        "workflows/mine.html",
        {"steps": steps, "consultations": consultations_waiting_for(user=user)},
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def review_step(request: HttpRequest, step_id: int) -> HttpResponse:
    """The same review page for a signed-in reviewer (decisions recorded via web)."""
    user: User = request.user  # type: ignore[assignment]
    step = get_object_or_404(ApprovalStep.objects.select_related("case", "draft"), pk=step_id)
    authz.require(
        user, Action.STEP_DECIDE, step, message=_("You are not a reviewer of this approval step.")
    )
    decided = step.decisions.filter(reviewer=user).exists() or step.status != StepStatus.OPEN

    def done(outcome: str) -> HttpResponse:
        if outcome == ReviewAction.COMMENT:
            messages.success(request, _("Your comment was added."))
            return HttpResponseRedirect(request.path)
        messages.success(request, _("Thank you: your decision was recorded."))
        step.case.refresh_from_db()
        if reply_undo_offer(user=user, case=step.case) is not None:
            return HttpResponseRedirect(request.path)  # with its Undo, for the hold
        return HttpResponseRedirect(reverse("workflows:mine"))

    return _review_page(
        request,
        user=user,
        case=step.case,
        step=step,
        allowed=() if decided else REVIEW_ACTIONS,
        via="web",
        done=done,
        extra={
            "already_decided": decided,
            "undo_offer": reply_undo_offer(user=user, case=step.case) if decided else None,
        },
    )


@never_cache
@require_POST
def review_link_undo(request: HttpRequest, token: str) -> HttpResponse:
    """The Undo button of the page an emailed link shows after an approval that sent
    the reply on its way (POST only, with CSRF). The link names its reviewer; the
    undo service decides whether they may still undo."""
    if not tokens.link_attempt_allowed(token=token, client_ip=client_ip(request)):
        return _problem_page(
            request,
            status=429,
            title=_("Too many attempts"),
            advice=_("Wait a few minutes, then open the link from your email again."),
        )
    try:
        user, step = tokens.link_undo_resolve(token, session_user=request.user)
    except tokens.LinkError as error:
        return _link_problem(request, error)
    language_activate_for(request, user)
    try:
        reply_undo(case_id=step.case_id, actor=user, via="email")
    except (ConflictError, PermissionDenied) as exc:
        return _problem_page(
            request,
            status=409,
            title=_("Too late to undo"),
            advice=_("Nothing was changed. The reply is being posted as approved."),
            detail=str(getattr(exc, "message", None) or exc),
        )
    messages.success(
        request, _("Undone: the reply was not posted. The approval waits for your decision again.")
    )
    return HttpResponseRedirect(reverse("workflows:link", args=[token]))


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def review_consultation(request: HttpRequest, consultation_id: int) -> HttpResponse:
    """The consulted expert's page when signed in: the same page as the emailed link,
    to answer the question (recorded via web). Only that expert may open it."""
    user: User = request.user  # type: ignore[assignment]
    consultation = get_object_or_404(
        Consultation.objects.select_related("case", "requested_by"), pk=consultation_id
    )
    if consultation.expert_id != user.pk:
        raise PermissionDenied(_("Only the consulted expert can answer this question."))
    case = consultation.case
    answered = consultation.answered_at is not None
    return _review_page(
        request,
        user=user,
        case=case,
        step=None,
        allowed=() if answered else CONSULT_ACTIONS,
        via="web",
        done=lambda outcome: _done_page(request, outcome=outcome, case=case, step=None),
        consultation=consultation,
        extra={"already_decided": answered},
    )


@login_required
@require_POST
def case_comment(request: HttpRequest, case_id: int) -> HttpResponse:
    """An officer (or reviewer) adds a comment from the case page."""
    case = get_object_or_404(Case, pk=case_id)
    user: User = request.user  # type: ignore[assignment]
    if not comment_participant(case=case, user=user):
        # Another department's case is "not found", like one that does not exist.
        if not authz.may(user, Action.CASE_VIEW, case):
            raise Http404(_("This case does not exist."))
        raise PermissionDenied(_("Only the people working on this case can comment on it."))
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment_add(case_id=case.pk, author=user, text=form.cleaned_data["text"], via="web")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your comment was added."))
    else:
        messages.error(request, _("Write a comment first."))
    return HttpResponseRedirect(_back(request, case))


@login_required
@require_POST
def case_consult(request: HttpRequest, case_id: int) -> HttpResponse:
    """An officer asks an expert of another department for input on the case."""
    case = get_object_or_404(Case, pk=case_id)
    user: User = request.user  # type: ignore[assignment]
    if not authz.may(user, Action.CASE_VIEW, case):
        raise Http404(_("This case does not exist."))
    form = ConsultationForm(request.POST, experts=experts_for_consultation(case=case))
    if form.is_valid():
        try:
            consultation = consultation_request(
                case_id=case.pk,
                actor=user,
                expert_id=form.cleaned_data["expert"].pk,
                question=form.cleaned_data["question"],
                via="web",
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(name)s was asked for input by email.") % {"name": consultation.expert},
            )
    else:
        messages.error(request, _("Choose an expert and write your question."))
    return HttpResponseRedirect(_back(request, case))


def _back(request: HttpRequest, case: Case) -> str:
    """Back to the page the form was on, if it is ours; else the case page."""
    return same_site_path(request, request.POST.get("next"), fallback=f"/cases/{case.pk}/")
