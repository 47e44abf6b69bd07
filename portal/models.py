"""Every domain's models, imported in one place so the app and Alembic see all tables.

One line per domain module; add yours when a domain gets tables.
"""

# ruff: noqa: F401
from portal.accounts.models import Invitation, Team, User
from portal.advocacy.guideline_models import (
    CaptionRules,
    GuidelineAcknowledgement,
    GuidelineVersion,
)
from portal.advocacy.models import ContentItem, Share, ShareClick, ShareReminder, TrackedLink
from portal.boards.models import Board, Idea, IdeaComment, IdeaVote
from portal.bulletins.models import Bulletin, BulletinNetwork, BulletinRead
from portal.gamification.badge_models import Badge, BadgeAssertion
from portal.gamification.challenge_models import Challenge, ChallengeTeam
from portal.gamification.league_models import LeagueCohort, LeagueMembership
from portal.gamification.models import (
    ActivityEntry,
    LeaderboardSnapshot,
    PointAward,
    PointRule,
    PointTotal,
)
from portal.gamification.streak_models import Streak
from portal.insights.models import (
    Goal,
    InsightsSettings,
    PersonDay,
    PersonPeriod,
    SegmentDay,
    SegmentMember,
    TeamDay,
)
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
from portal.notifications.models import (
    DigestRun,
    EmailDelivery,
    Notification,
    NotificationPreference,
    Nudge,
)
from portal.profiles.models import BrandProfile, SpeakingEntry
from portal.queue import OutboxJob
