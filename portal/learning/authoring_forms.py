"""Forms of the authoring pages (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.accounts.forms import options
from portal.learning.authoring import (
    MAX_CARD,
    MAX_MINUTES,
    MAX_OPTION,
    MAX_PROMPT,
    MAX_SUMMARY,
    MAX_TITLE,
    OptionInput,
)
from portal.learning.models import Question

AUDIENCE_CHOICES = options([("everyone", "Everyone"), ("teams", "Only the teams ticked below")])
KIND_CHOICES = options(
    [("single", "Single choice: one right answer"), ("multiple", "Multiple choice: one or more")]
)
MIN_OPTION_ROWS, MAX_OPTION_ROWS = 4, 8


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (the template lays them out)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ModuleForm(FlaskForm):
    """A module's details; the audience fields are shown to admins only."""

    title = StringField("Title", validators=[DataRequired(), Length(max=MAX_TITLE)])
    summary = TextAreaField(
        "Summary",
        validators=[Length(max=MAX_SUMMARY)],
        description="One or two sentences: what people learn and why it matters.",
    )
    minutes = IntegerField(
        "Minutes to complete",
        default=10,
        validators=[InputRequired(), NumberRange(1, MAX_MINUTES)],
    )
    tags = StringField(
        "Tags",
        validators=[Length(max=600)],
        description="Separated by commas: linkedin, personal brand",
    )
    cover_image = StringField(
        "Cover image",
        validators=[Length(max=500)],
        description="Optional: an https:// address or a path starting with /static/.",
    )
    audience = RadioField("Who can take it", choices=AUDIENCE_CHOICES, validate_choice=False)
    teams = CheckboxesField("Teams", coerce=int, choices=[], validate_choice=False)


class ModuleSettingsForm(ModuleForm):
    """A module's details on its edit page, where the slug can change too."""

    slug = StringField(
        "Slug",
        validators=[DataRequired(), Length(max=80)],
        description="Lower-case letters, digits and dashes. It names the module in exported files.",
    )


class NewLessonForm(FlaskForm):
    title = StringField("Lesson title", validators=[DataRequired(), Length(max=MAX_TITLE)])


class LessonForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=MAX_TITLE)])
    pass_mark = IntegerField(
        "Pass mark (%)",
        default=70,
        validators=[InputRequired(), NumberRange(0, 100)],
        description="The share of quiz questions to get right to complete the lesson.",
    )


class CardForm(FlaskForm):
    body = TextAreaField("Card text (Markdown)", validators=[Length(max=MAX_CARD)])


class OptionForm(Form):
    """One answer row of the question editor (a sub-form: the question form carries CSRF)."""

    text = StringField("Answer", validators=[Optional(), Length(max=MAX_OPTION)])
    correct = BooleanField("Correct")
    explanation = StringField(
        "Explanation",
        validators=[Optional(), Length(max=1000)],
        description="Shown after answering.",
    )


class QuestionForm(FlaskForm):
    """A quiz question with its answer rows (blank rows are ignored)."""

    prompt = TextAreaField("Question", validators=[DataRequired(), Length(max=MAX_PROMPT)])
    kind = SelectField("Kind", choices=KIND_CHOICES, default="single")
    options = FieldList(
        FormField(OptionForm), min_entries=MIN_OPTION_ROWS, max_entries=MAX_OPTION_ROWS
    )

    def option_inputs(self) -> list[OptionInput]:
        """The answer rows as typed, for the service to check."""
        return [
            OptionInput(
                text=entry.form.text.data or "",
                correct=bool(entry.form.correct.data),
                explanation=entry.form.explanation.data or "",
            )
            for entry in self.options
        ]


def question_form(question: Question | None = None, submitted: bool = False) -> QuestionForm:
    """The form for `question` (or a new one): from the request when `submitted`, else filled
    from the question, with blank rows to add answers in.

    Each form on the lesson page has its own prefix, so element ids stay unique.
    """
    prefix = f"q{question.id if question else 'new'}"
    if submitted:
        return QuestionForm(prefix=prefix)
    if question is None:
        return QuestionForm(prefix=prefix, formdata=None)
    rows: list[dict[str, object]] = [
        {"text": o.text, "correct": o.correct, "explanation": o.explanation}
        for o in question.options
    ]
    rows += [{}] * max(MIN_OPTION_ROWS - len(rows), min(2, MAX_OPTION_ROWS - len(rows)), 0)
    return QuestionForm(
        prefix=prefix, formdata=None, prompt=question.prompt, kind=question.kind.value, options=rows
    )


class ImportForm(FlaskForm):
    file = FileField(
        "Module file",
        validators=[
            FileRequired("Choose a file to import."),
            FileAllowed(["md", "markdown", "json"], "Upload a .md or .json file."),
        ],
        description="Markdown with front matter (.md) or JSON (.json), as exported here.",
    )
    replace = BooleanField("Replace the module with the same slug, if there is one")


class PathForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=MAX_TITLE)])
    summary = TextAreaField("Summary", validators=[Length(max=MAX_SUMMARY)])


class PathModuleForm(FlaskForm):
    module_id = SelectField("Module", coerce=int, choices=[])
