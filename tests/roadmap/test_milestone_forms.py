"""The milestone page's forms printed from a per-process layout (roadmap/forms.py
`unbound_fields`): what form_fields prints for the form itself, byte for byte, for each form,
value and language; a value that would break out of its attribute or element is escaped; a
form that prints a value twice is refused, not laid out wrong."""

import datetime as dt

import pytest
from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy

from roadmap import forms as roadmap_forms
from roadmap.forms import EvidenceForm, NotesForm, TargetDateForm, unbound_fields

AWKWARD = "Mine <& \"yours\">\nline 'two' cpformvalue0x {{ x }}"

CASES = {
    "target date": (TargetDateForm, {"target_date": dt.date(2026, 6, 30)}),
    "target date, early year": (TargetDateForm, {"target_date": dt.date(1950, 1, 1)}),
    "target date, none": (TargetDateForm, {"target_date": None}),
    "target date, not given": (TargetDateForm, {}),
    "notes": (NotesForm, {"notes": AWKWARD}),
    "notes, one space": (NotesForm, {"notes": " "}),
    "notes, zero": (NotesForm, {"notes": "0"}),
    "notes, empty": (NotesForm, {"notes": ""}),
    "notes, none": (NotesForm, {"notes": None}),
    "evidence": (EvidenceForm, {}),
    "evidence, with values": (EvidenceForm, {"url": "https://x.test/?a=1&b=2", "label": AWKWARD}),
}


@pytest.fixture(params=[False, True], ids=["debug off", "debug on"])
def debug(request, settings):
    settings.DEBUG = request.param
    roadmap_forms._layouts.clear()
    return request.param


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("language", ["en-gb", "de"])
def test_unbound_fields_prints_what_form_fields_prints_for_the_form(name, language, debug):
    form_class, initial = CASES[name]
    with translation.override(language):
        expected = roadmap_forms._form_fields_markup(form_class(initial=initial))
        first = unbound_fields(form_class, **initial)
        again = unbound_fields(form_class, **initial)  # from the layout it made
    assert first == again == expected
    assert ("<label for=" in first) and ("cpformvalue" not in first or "cpformvalue0x" in AWKWARD)
    assert bool(roadmap_forms._layouts) is not debug


class DjangoWordsForm(forms.Form):
    """A label Django's own catalogues translate (the site's have no German yet)."""

    when = forms.DateField(label=gettext_lazy("Enter a valid date."), required=False)


def test_each_language_has_its_own_layout():
    # given: the layout made in English
    with translation.override("en-gb"):
        english = unbound_fields(DjangoWordsForm, when=dt.date(2026, 1, 2))
    # when: the same form in German
    with translation.override("de"):
        german = unbound_fields(DjangoWordsForm, when=dt.date(2026, 1, 2))
        expected = roadmap_forms._form_fields_markup(
            DjangoWordsForm(initial={"when": dt.date(2026, 1, 2)})
        )
    # then: German words, not the English layout again
    assert "Enter a valid date." in english
    assert german == expected and "Enter a valid date." not in german


def test_a_value_is_escaped_where_it_stands():
    printed = unbound_fields(NotesForm, notes='</textarea><script>"x"</script>')
    assert "<script>" not in printed
    assert "&lt;/textarea&gt;&lt;script&gt;&#34;x&#34;&lt;/script&gt;</textarea>" in printed


class EchoForm(forms.Form):
    """A form whose help text repeats its value: not one a layout can print."""

    text = forms.CharField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = str(self.initial.get("text", ""))


def test_a_form_that_prints_a_value_twice_is_refused():
    with pytest.raises(ValueError, match="EchoForm prints its values"):
        unbound_fields(EchoForm, text="hello")
