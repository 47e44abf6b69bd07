"""Every domain's models, imported in one place so the app and Alembic see all tables."""

from portal.accounts.models import Invitation, Team, User
from portal.gamification.models import PointAward, PointRule, PointTotal
from portal.gamification.streak_models import Streak
from portal.learning.models import Card, LearningPath, Lesson, Module, Option, PathModule, Question
from portal.learning.records import (
    Assignment,
    LessonCompletion,
    LessonProgress,
    ModuleCompletion,
    PathCompletion,
    QuizAnswer,
    QuizAttempt,
    ReviewItem,
    XapiStatement,
)
from portal.queue import OutboxJob

__all__ = [
    "Assignment", "Card", "Invitation", "LearningPath", "Lesson", "LessonCompletion",
    "LessonProgress", "Module", "ModuleCompletion", "Option", "OutboxJob", "PathCompletion",
    "PathModule", "PointAward", "PointRule", "PointTotal", "Question", "QuizAnswer",
    "QuizAttempt", "ReviewItem", "Streak", "Team", "User",
    "XapiStatement",
]  # fmt: skip
