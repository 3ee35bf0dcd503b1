"""Interview practice pages: the question bank, a question with the learner's STAR answers, and
editing or deleting an answer.

Changes are plain POST forms that redirect back with a message, so they work without
JavaScript; a refused answer comes back with its errors and the learner's text kept. Deleting an
answer sent by htmx (HX-Request) removes it in place. Answers are looked up within
request.user's own, so anyone else's is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.htmx import is_htmx, learner_required
from portfolio.forms.interview import PracticeAnswerForm, QuestionFilterForm
from portfolio.models import InterviewQuestion, PracticeAnswer
from portfolio.selectors import interview as selectors
from portfolio.services import interview as services
from roadmap.selectors.paths import milestone_from


@login_required
@require_GET
def question_bank(request: HttpRequest) -> HttpResponse:
    bank = selectors.question_bank(learner=request.user)
    form = QuestionFilterForm(request.GET or None, categories=bank.categories)
    if form.is_bound and form.is_valid():
        bank = bank.filtered(selectors.BankFilters(**form.cleaned_data))
    from_milestone = milestone_from(request.GET.get("from"))  # opened from a milestone
    context = {"bank": bank, "form": form, "from_milestone": from_milestone}
    return render(request, "portfolio/practice/question_bank.html", context)


def _question_page(
    request: HttpRequest, question: InterviewQuestion, form: PracticeAnswerForm
) -> HttpResponse:
    answers = list(selectors.question_answers(learner=request.user, question=question))
    context = {"question": question, "answers": answers, "form": form}
    return render(request, "portfolio/practice/question_detail.html", context)


def _save(form: PracticeAnswerForm, save) -> PracticeAnswer | None:
    """Validate the form and call the service; on refusal, put the reasons on the form."""
    if not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return None


@login_required
@require_GET
def question_detail(request: HttpRequest, slug: str) -> HttpResponse:
    question = selectors.question_for_learner(learner=request.user, slug=slug)
    return _question_page(request, question, PracticeAnswerForm())


@login_required
@require_POST
def answer_add(request: HttpRequest, slug: str) -> HttpResponse:
    question = selectors.published_question(slug=slug)
    form = PracticeAnswerForm(request.POST)
    answer = _save(
        form,
        lambda data: services.practice_answer_create(
            learner=request.user, question=question, **data
        ),
    )
    if answer is None:
        return _question_page(request, question, form)
    messages.success(
        request,
        _("Answer saved, with confidence %(n)s of 5. Practise it out loud next.")
        % {"n": answer.confidence},
    )
    return redirect(question.get_absolute_url() + "#answers")


@login_required
@require_http_methods(["GET", "POST"])
def answer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    answer = selectors.answer_get(learner=request.user, pk=pk)
    if request.method == "POST":
        form = PracticeAnswerForm(request.POST)
        saved = _save(
            form,
            lambda data: services.practice_answer_update(
                learner=request.user, answer=answer, **data
            ),
        )
        if saved is not None:
            messages.success(request, _("Answer updated."))
            return redirect(answer.question.get_absolute_url() + "#answers")
    else:
        form = PracticeAnswerForm(
            initial={name: getattr(answer, name) for name in PracticeAnswerForm.base_fields}
        )
    context = {"answer": answer, "question": answer.question, "form": form}
    return render(request, "portfolio/practice/answer_edit.html", context)


@learner_required
@require_POST
def answer_delete(request: HttpRequest, pk: int) -> HttpResponse:
    answer = selectors.answer_get(learner=request.user, pk=pk)
    question = answer.question
    services.practice_answer_delete(learner=request.user, answer=answer)
    confirmation = _("Answer deleted.")
    if is_htmx(request):
        # The answer's row is swapped for nothing; the page's live region says what happened.
        return HttpResponse(
            format_html('<div id="answer-status" hx-swap-oob="innerHTML">{}</div>', confirmation)
        )
    messages.success(request, confirmation)
    return redirect(question.get_absolute_url() + "#answers")
