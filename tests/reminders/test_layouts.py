"""Precompiled layouts: exactly the template's output, and the rule that makes them possible
(plain {{ }}, if and for) fails the tests, not a log line, when a template breaks it."""

import pytest
from django.template import engines
from django.template.loader import get_template

from reminders.services import layouts

# Every template the digest draws through LAYOUTS (its frame is checked through {% extends %}).
LAID_OUT = ["roadmap/email/digest.html", "roadmap/email/digest.txt"]


@pytest.mark.parametrize(
    "source",
    [
        "<p>{{ name|upper }} {{ other }}</p>",  # a filter
        "<p>{{ name.upper }} {{ other }}</p>",  # a method of the string
        "{% if name == 'ann & bob' %}<p>{{ other }}</p>{% endif %}",  # a comparison
        "{% with n=name %}<p>{{ n }} {{ other }}</p>{% endwith %}",  # another tag
    ],
)
def test_a_template_that_computes_with_its_values_is_rendered_as_usual(source):
    # given: a template that does more with a value than print it or test its truth
    template = engines["django"].from_string(source)
    context = {"name": "ann & bob", "other": "<i>"}
    # when
    [text] = layouts.Layouts(strict=False).render([template], context)
    # then
    assert text == template.render(context)
    assert "&lt;i&gt;" in text


def test_the_digest_templates_are_laid_out():
    laid_out = layouts.Layouts()
    for name in LAID_OUT:
        assert laid_out.is_suitable(get_template(name)), name


def test_breaking_the_rule_fails_instead_of_falling_back_in_strict_mode(settings):
    # given: the tests' settings, and a layout template that prints a value through a filter
    assert settings.REMINDERS_STRICT_LAYOUTS
    template = engines["django"].from_string("<p>{{ name|upper }}</p>")

    # when / then: an error, not a quiet slow path
    with pytest.raises(layouts.LayoutError, match="uses more than"):
        layouts.Layouts().render([template], {"name": "ann"})
    # and one that changes a value it prints (found when its shape is first seen)
    changes = engines["django"].from_string("<p>{{ name.upper }}</p>")
    with pytest.raises(layouts.LayoutError, match="changes the values it prints"):
        layouts.Layouts().render([changes], {"name": "ann"})
