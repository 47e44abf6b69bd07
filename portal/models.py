"""Every domain's models, imported in one place so the app and Alembic see all tables.

One line per domain module; add yours when a domain gets tables.
"""

# ruff: noqa: F401
from portal.accounts.models import Invitation, Team, User
from portal.gamification.models import (
    ActivityEntry,
    LeaderboardSnapshot,
    PointAward,
    PointRule,
    PointTotal,
)
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
from portal.notifications.models import Notification
from portal.queue import OutboxJob
