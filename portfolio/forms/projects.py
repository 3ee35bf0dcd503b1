"""Forms for projects, their links and the public portfolio settings. They parse input; the
services in portfolio.services.projects decide what is allowed."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from core.form_fields import DateField, SingleLineField
from portfolio.models import Project, ProjectKind, ProjectLink, PublicPortfolio
from roadmap.models import Milestone


def _date_field(label, help_text="") -> forms.DateField:
    return DateField(label=label, required=False, help_text=help_text)


class ProjectForm(forms.Form):
    title = SingleLineField(
        label=_("Title"), max_length=Project._meta.get_field("title").max_length
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ProjectKind.choices)
    role = SingleLineField(
        label=_("My role"),
        required=False,
        max_length=Project._meta.get_field("role").max_length,
        help_text=_("e.g. Volunteer project coordinator"),
    )
    started_on = _date_field(_("Started on"))
    ended_on = _date_field(
        _("Finished on"),
        _("Leave empty while it goes on. When set, the milestones below are marked done."),
    )
    context = forms.CharField(
        label=_("Context"),
        required=False,
        max_length=Project._meta.get_field("context").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The organisation, the problem, the team."),
    )
    what_i_did = forms.CharField(
        label=_("What I did"),
        required=False,
        max_length=Project._meta.get_field("what_i_did").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        max_length=Project._meta.get_field("outcome").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("With numbers where you can: “cut reporting time from 3 days to 4 hours”."),
    )
    skills = SingleLineField(
        label=_("Skills"),
        required=False,
        max_length=2_000,
        help_text=_("Separated by commas, e.g. Stakeholder management, Jira, Risk register."),
    )
    milestones = forms.TypedMultipleChoiceField(
        label=_("Roadmap milestones this project completes"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose milestones of the career paths you follow.")},
    )
    is_public = forms.BooleanField(
        label=_("Show this project on my public portfolio"), required=False
    )

    def __init__(self, *args, milestones: Iterable[Milestone] = (), **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[int, str]]] = {}
        for milestone in milestones:
            step = milestone.step
            groups.setdefault(f"{step.path.title} · {step.title}", []).append(
                (milestone.pk, milestone.title)
            )
        self.fields["milestones"].choices = list(groups.items())
        if not groups:
            self.fields["milestones"].help_text = _(
                "Enrol in a career path to link this project to its milestones."
            )

    def milestone_groups(self) -> list[dict]:
        """The milestone choices by path and step, each with whether it is ticked, for a
        template that renders them as groups of checkboxes."""
        value = self["milestones"].value() or []
        chosen = {str(v) for v in value}
        groups = []
        for g, (label, options) in enumerate(self.fields["milestones"].choices):
            rendered = [
                {
                    "value": pk,
                    "title": title,
                    "id": f"id_milestones_{g}_{i}",
                    "checked": str(pk) in chosen,
                }
                for i, (pk, title) in enumerate(options)
            ]
            groups.append(
                {
                    "label": label,
                    "options": rendered,
                    "checked": sum(o["checked"] for o in rendered),
                }
            )
        return groups

    @staticmethod
    def initial_for(project: Project) -> dict:
        return {
            "title": project.title,
            "kind": project.kind,
            "role": project.role,
            "started_on": project.started_on,
            "ended_on": project.ended_on,
            "context": project.context,
            "what_i_did": project.what_i_did,
            "outcome": project.outcome,
            "skills": ", ".join(project.skills),
            "milestones": [m.pk for m in project.milestones.all()],
            "is_public": project.is_public,
        }


class ProjectLinkForm(forms.Form):
    # A CharField, not a URLField: URLField would quietly prepend a scheme and accept ftp://;
    # the service checks the address and explains what it wants.
    url = SingleLineField(
        label=_("Link"),
        max_length=ProjectLink._meta.get_field("url").max_length,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("A repository, demo, write-up or certificate, starting with https://."),
    )
    label = SingleLineField(
        label=_("Label (optional)"),
        required=False,
        max_length=ProjectLink._meta.get_field("label").max_length,
    )


class PublicPortfolioForm(forms.Form):
    slug = SingleLineField(
        label=_("Address of your page"),
        max_length=PublicPortfolio._meta.get_field("slug").max_length,
        help_text=_(
            "Lower-case letters, digits and hyphens, e.g. ada-lovelace: your page will be at "
            "/p/ada-lovelace/."
        ),
    )
    headline = SingleLineField(
        label=_("Headline"),
        required=False,
        max_length=PublicPortfolio._meta.get_field("headline").max_length,
        help_text=_("e.g. Aspiring AI project manager with a background in operations"),
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=PublicPortfolio._meta.get_field("summary").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    show_certifications = forms.BooleanField(
        label=_("List the certifications I have earned"), required=False
    )
    show_progress = forms.BooleanField(
        label=_("Show how far along my career path I am"), required=False
    )
