"""API endpoints: thin like the site's views. Reads come from selectors, writes go through the
apps' services inside one transaction, so a refused field leaves everything as it was."""

from __future__ import annotations

import contextlib

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from api import selectors as api_selectors
from api.errors import validation_error
from api.schema import LIST_ERRORS, OBJECT_ERRORS, WRITE_ERRORS
from api.serializers import (
    ApplicationDetailSerializer,
    ApplicationSerializer,
    ApplicationUpdateSerializer,
    CertificationSerializer,
    CertificationUpdateSerializer,
    MilestoneSerializer,
    MilestoneUpdateSerializer,
    PathDetailSerializer,
    PathSerializer,
    PlanSerializer,
    PlanUpdateSerializer,
)
from api.throttling import CountRefusedCredentials
from certifications import selectors as certification_selectors
from certifications import services as certification_services
from certifications.models import CertStatus
from portfolio.models import ApplicationStatus
from portfolio.selectors import applications as application_selectors
from portfolio.services import applications as application_services
from roadmap.models import LearnerPlan, ProgressStatus
from roadmap.selectors.paths import learner_today
from roadmap.selectors.plan import learner_plan, plan_contract
from roadmap.selectors.progress import learner_overview
from roadmap.services import plan as plan_services
from roadmap.services import progress as progress_services


@extend_schema(exclude=True)
@api_view(["GET", "HEAD"])
@authentication_classes([])
@permission_classes([])
def api_index(request: Request) -> Response:
    """/api/v1/ itself: where the schema, the docs and each collection are, so the API's root
    address explains itself instead of answering 404. Public: it names addresses, no data."""

    def url(name: str) -> str:
        return request.build_absolute_uri(reverse(name))

    return Response(
        {
            "name": "careerpath API",
            "version": "v1",
            "schema": url("api:schema"),
            "docs": url("api:docs"),
            "authentication": _(
                "A personal access token (Authorization: Bearer <token>, made on the "
                "settings page) or the browser's logged-in session."
            ),
            "endpoints": {
                "paths": url("api:path_list"),
                "milestones": url("api:milestone_list"),
                "certifications": url("api:certification_list"),
                "applications": url("api:application_list"),
            },
        }
    )


class LearnerApiView(CountRefusedCredentials, generics.GenericAPIView):
    """Every endpoint's base: times are given in UTC whoever asks (a browser session would
    otherwise switch to the learner's timezone, and a token would not)."""

    def initial(self, request, *args, **kwargs):
        timezone.deactivate()
        super().initial(request, *args, **kwargs)


def _validated(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _object_id(pk: int) -> int:
    if pk > api_selectors.MAX_ID:
        raise exceptions.NotFound()
    return pk


# --- Paths --------------------------------------------------------------------------------------


@extend_schema(tags=["paths"])
class PathList(LearnerApiView, generics.ListAPIView):
    """The career paths you are enrolled in, with your progress."""

    serializer_class = PathSerializer

    @extend_schema(responses={200: PathSerializer(many=True), **LIST_ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        user = self.request.user
        return learner_overview(learner=user, today=learner_today(user)).paths


@extend_schema(tags=["paths"])
class PathDetail(LearnerApiView):
    """One of your paths: its steps, each with its milestones and your status."""

    serializer_class = PathDetailSerializer

    @extend_schema(responses={200: PathDetailSerializer, **OBJECT_ERRORS})
    def get(self, request: Request, slug: str) -> Response:
        user = request.user
        path = api_selectors.enrolled_path(learner=user, slug=slug)
        outline = learner_overview(learner=user, today=learner_today(user), paths=[path])
        return Response(PathDetailSerializer(outline.paths[0]).data)


# --- Milestones ---------------------------------------------------------------------------------


@extend_schema(tags=["milestones"])
class MilestoneList(LearnerApiView, generics.ListAPIView):
    """The milestones of your paths in roadmap order, with your progress."""

    serializer_class = MilestoneSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("path", str, description="Only this path's milestones (its slug)."),
            OpenApiParameter(
                "status", str, enum=ProgressStatus.values, description="Only this status."
            ),
        ],
        responses={200: MilestoneSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        status = self.request.query_params.get("status") or None
        if status is not None and status not in ProgressStatus.values:
            raise exceptions.ValidationError(
                {
                    "status": [
                        _("“%(status)s” is not a status: use one of %(choices)s.")
                        % {"status": status[:40], "choices": ", ".join(ProgressStatus.values)}
                    ]
                }
            )
        return api_selectors.learner_milestones(
            learner=self.request.user,
            path_slug=self.request.query_params.get("path") or None,
            status=status,
        )


@extend_schema(tags=["milestones"])
class MilestoneDetail(LearnerApiView):
    """One milestone of your paths. PATCH changes your status, target date and notes; the
    change is recorded in the milestone's history like a change on the site."""

    serializer_class = MilestoneSerializer

    def _milestone(self, pk: int):
        return api_selectors.learner_milestone(learner=self.request.user, pk=_object_id(pk))

    @extend_schema(responses={200: MilestoneSerializer, **OBJECT_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(MilestoneSerializer(self._milestone(pk)).data)

    @extend_schema(
        request=MilestoneUpdateSerializer,
        responses={200: MilestoneSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        milestone = self._milestone(pk)
        data = _validated(MilestoneUpdateSerializer, request)
        learner = request.user
        field = None
        try:
            with transaction.atomic():
                if "status" in data:
                    field = "status"
                    progress_services.milestone_status_set(
                        learner=learner, milestone=milestone, status=data["status"]
                    )
                if "target_date" in data:
                    field = "target_date"
                    progress_services.milestone_target_date_set(
                        learner=learner,
                        milestone=milestone,
                        target_date=data["target_date"],
                        today=learner_today(learner),
                    )
                if "notes" in data:
                    field = "notes"
                    progress_services.milestone_notes_set(
                        learner=learner, milestone=milestone, notes=data["notes"]
                    )
        except DjangoValidationError as error:
            raise validation_error(error, field=field) from None
        return Response(MilestoneSerializer(self._milestone(pk)).data)


# --- The personal plan --------------------------------------------------------------------------


def _plan_or_404(learner) -> dict:
    data = plan_contract(learner=learner, today=learner_today(learner))
    if data is None:
        raise exceptions.NotFound(_("You have no plan yet: PATCH hours_per_week and weekdays."))
    return data


@extend_schema(tags=["plan"])
class Plan(LearnerApiView):
    """Your personal plan. Weeks start on Monday in your timezone; a week's planned_hours never
    exceeds hours_per_week; every open milestone's remaining hours are planned. Only your own
    plan is ever read or changed here; without one, GET answers 404."""

    serializer_class = PlanSerializer

    @extend_schema(responses={200: PlanSerializer, **OBJECT_ERRORS})
    def get(self, request: Request) -> Response:
        return Response(PlanSerializer(_plan_or_404(request.user)).data)

    @extend_schema(request=PlanUpdateSerializer, responses={200: PlanSerializer, **WRITE_ERRORS})
    def patch(self, request: Request) -> Response:
        """Set hours_per_week (1-40), weekdays and finish_by, and re-plan from this week. A
        first PATCH makes the plan (6 hours, Monday to Friday, unless given)."""
        data = _validated(PlanUpdateSerializer, request)
        plan = learner_plan(learner=request.user)
        current = {
            "hours_per_week": plan.hours_per_week if plan else 6,
            "weekdays": plan.weekday_list if plan else [0, 1, 2, 3, 4],
            "finish_by": plan.finish_by if plan else None,
        }
        try:
            plan_services.plan_settings_set(learner=request.user, **{**current, **data})
        except DjangoValidationError as error:
            raise exceptions.ValidationError(
                {e.code or "non_field_errors": e.messages for e in error.error_list}
            ) from None
        return Response(PlanSerializer(_plan_or_404(request.user)).data)


@extend_schema(tags=["plan"])
class PlanReplan(LearnerApiView):
    """Re-plan from the current week: all progress kept, unfinished work moved forward, the
    old plan kept in the history."""

    serializer_class = PlanSerializer

    @extend_schema(request=None, responses={200: PlanSerializer, **OBJECT_ERRORS})
    def post(self, request: Request) -> Response:
        # The operation takes no body, but a JSON body it is sent is still read (a malformed or
        # hostile one refused with a JSON 400) before anything changes, as on every write; a
        # body of another type is ignored.
        with contextlib.suppress(exceptions.UnsupportedMediaType):
            request.data  # noqa: B018
        try:
            plan_services.plan_replan(learner=request.user)
        except LearnerPlan.DoesNotExist:
            raise exceptions.NotFound(_("You have no plan yet.")) from None
        return Response(PlanSerializer(_plan_or_404(request.user)).data)


# --- Certifications -----------------------------------------------------------------------------

STATUS_FIELDS = ("status", "exam_date", "earned_on", "credential_id", "verification_url")
# Which input field a refusal of learner_certification_status_set is about, by its code.
STATUS_ERROR_FIELDS = {
    "exam_date": "exam_date",
    "earned_on": "earned_on",
    "earned_in_future": "earned_on",
    "invalid_url": "verification_url",
}


@extend_schema(tags=["certifications"])
class CertificationList(LearnerApiView, generics.ListAPIView):
    """The certifications you track, with expiry dates."""

    serializer_class = CertificationSerializer

    @extend_schema(responses={200: CertificationSerializer(many=True), **LIST_ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        user = self.request.user
        return certification_selectors.my_certifications(learner=user, today=learner_today(user))


def _check_status_fields(data: dict, status: str) -> None:
    """Refuse fields that the status would ignore, rather than drop them silently."""
    errors = {}
    if "exam_date" in data and status != CertStatus.EXAM_BOOKED:
        errors["exam_date"] = [_("An exam date goes with the status exam_booked.")]
    earned = (CertStatus.EARNED, CertStatus.EXPIRED)
    for name in ("earned_on", "credential_id", "verification_url"):
        if name in data and status not in earned:
            errors[name] = [_("This goes with the status earned or expired.")]
    if errors:
        raise exceptions.ValidationError(errors)


@extend_schema(tags=["certifications"])
class CertificationDetail(LearnerApiView):
    """One certification you track. PATCH changes its status (with the exam date, the date
    earned, the credential), its expiry date and when you are reminded of it."""

    serializer_class = CertificationSerializer

    def _row(self, pk: int):
        user = self.request.user
        tracked = certification_selectors.tracked_certification(learner=user, pk=_object_id(pk))
        return certification_selectors.tracker_row(tracked, today=learner_today(user))

    @extend_schema(responses={200: CertificationSerializer, **OBJECT_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(CertificationSerializer(self._row(pk)).data)

    @extend_schema(
        request=CertificationUpdateSerializer,
        responses={200: CertificationSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        tracked = self._row(pk).tracked
        data = _validated(CertificationUpdateSerializer, request)
        status = data.get("status", tracked.status)
        _check_status_fields(data, status)
        field = None
        try:
            with transaction.atomic():
                if any(name in data for name in STATUS_FIELDS):
                    field = "status"
                    tracked = certification_services.learner_certification_status_set(
                        tracked=tracked,
                        status=status,
                        today=learner_today(request.user),
                        exam_date=data.get("exam_date", tracked.exam_date),
                        earned_on=data.get("earned_on"),
                        credential_id=data.get("credential_id", ""),
                        verification_url=data.get("verification_url", ""),
                    )
                if "expires_on_override" in data:
                    field = "expires_on_override"
                    tracked = certification_services.learner_certification_expiry_set(
                        tracked=tracked, expires_on=data["expires_on_override"]
                    )
                if "expiry_notice_days" in data:
                    field = "expiry_notice_days"
                    certification_services.learner_certification_notice_days_set(
                        tracked=tracked,
                        days=",".join(str(d) for d in data["expiry_notice_days"]),
                    )
        except DjangoValidationError as error:
            field = STATUS_ERROR_FIELDS.get(error.code, field) if field == "status" else field
            raise validation_error(error, field=field) from None
        return Response(CertificationSerializer(self._row(pk)).data)


# --- Job applications ---------------------------------------------------------------------------

# Which input field a refusal of the application services is about, by its code.
APPLICATION_ERROR_FIELDS = {
    "invalid_url": "posting_url",
    "invalid_currency": "salary_currency",
    "salary_range": "salary_max",
    "invalid_date": "next_action_on",
    "invalid_status": "status",
}


@extend_schema(tags=["applications"])
class ApplicationList(LearnerApiView, generics.ListAPIView):
    """Your job applications, most recently moved first."""

    serializer_class = ApplicationSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status", str, enum=ApplicationStatus.values, description="Only this status."
            )
        ],
        responses={200: ApplicationSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        status = self.request.query_params.get("status") or None
        if status is not None and status not in ApplicationStatus.values:
            raise exceptions.ValidationError(
                {
                    "status": [
                        _("“%(status)s” is not a status: use one of %(choices)s.")
                        % {"status": status[:40], "choices": ", ".join(ApplicationStatus.values)}
                    ]
                }
            )
        return application_selectors.applications_for(learner=self.request.user, status=status)


@extend_schema(tags=["applications"])
class ApplicationDetail(LearnerApiView):
    """One of your job applications, with its status history and contacts. PATCH edits its
    fields and, with `status`, moves it on the board (the move is kept in its history)."""

    serializer_class = ApplicationDetailSerializer

    def _application(self, pk: int, *, details: bool = True):
        return application_selectors.application_get(
            learner=self.request.user, pk=_object_id(pk), details=details
        )

    @extend_schema(responses={200: ApplicationDetailSerializer, **OBJECT_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ApplicationDetailSerializer(self._application(pk)).data)

    @extend_schema(
        request=ApplicationUpdateSerializer,
        responses={200: ApplicationDetailSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        application = self._application(pk, details=False)
        data = dict(_validated(ApplicationUpdateSerializer, request))
        status = data.pop("status", None)
        try:
            with transaction.atomic():
                if data:
                    application_services.application_update(
                        learner=request.user, application=application, data=data
                    )
                if status is not None:
                    application_services.application_move(
                        learner=request.user, application=application, status=status
                    )
        except DjangoValidationError as error:
            field = APPLICATION_ERROR_FIELDS.get(error.code, "non_field_errors")
            raise validation_error(error, field=field) from None
        return Response(ApplicationDetailSerializer(self._application(pk)).data)
