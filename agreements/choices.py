from django.db import models
from django.utils.translation import gettext_lazy as _


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


class Ambition(models.TextChoices):
    """The ladder from the source texts: samtal → samsyn → samverkan → samhandling."""

    DIALOGUE = "dialogue", _("Dialogue (samtal)")
    SHARED_VIEW = "shared_view", _("Shared view (samsyn)")
    COLLABORATION = "collaboration", _("Collaboration (samverkan)")
    JOINT_ACTION = "joint_action", _("Joint action (samhandling)")


class PartyRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    PARTNER = "partner", _("Partner")
    FINANCIER = "financier", _("Financier")
    EXPERT = "expert", _("Expert")
    OTHER = "other", _("Other")


class Mandate(models.TextChoices):
    NONE = "none", _("None")
    PREPARE = "prepare", _("Prepare")
    DECIDE = "decide", _("Decide")


class ResponsibilityKind(models.TextChoices):
    COORDINATION = "coordination", _("Coordination")
    STEERING = "steering", _("Steering")
    OPERATIONS = "operations", _("Operations")
    COMMUNICATION = "communication", _("Communication")
    FINANCE = "finance", _("Finance")
    FOLLOW_UP = "follow_up", _("Follow-up")
    OTHER = "other", _("Other")


class AnchoringKind(models.TextChoices):
    DECISION = "decision", _("Decision")
    PLAN = "plan", _("Adopted plan or budget")
    SPONSOR = "sponsor", _("Sponsor")
    BRIEFING = "briefing", _("Management briefing")


class CommitmentStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DELAYED = "delayed", _("Delayed")
    CANCELLED = "cancelled", _("Cancelled")


class AnchoringStatus(models.TextChoices):
    COMPLETE = "complete", _("Complete")
    DECISION_OR_PLAN_MISSING = "decision_or_plan_missing", _("Decision or plan missing")
    SPONSOR_MISSING = "sponsor_missing", _("Sponsor missing")
    MISSING = "missing", _("Decision or plan and sponsor missing")


class InteractionKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    WORKSHOP = "workshop", _("Workshop")
    STUDY_VISIT = "study_visit", _("Study visit")
    CONFERENCE = "conference", _("Conference")
    OTHER = "other", _("Other")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# Commitments and follow-ups that are no longer owed: never overdue, never reminded.
SETTLED_COMMITMENT_STATUSES = (CommitmentStatus.DONE, CommitmentStatus.CANCELLED)
SETTLED_FOLLOW_UP_STATUSES = (FollowUpStatus.DONE, FollowUpStatus.CANCELLED)


class ConditionLevel(models.TextChoices):
    """How large an asymmetry is, or how much trust there is, at the start (001, after Ansell & Gash)."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class PitfallAnswer(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNCLEAR = "unclear", _("Unclear")


# The six questions of "Fällor och fallgropar" (001), in its order: code → the question.
PITFALL_QUESTIONS = {
    "is_collaboration": _("Is it really collaboration this is about?"),
    "right_means": _("Is collaboration the right means for what is to be achieved?"),
    "resources": _("Is the collaboration given the resources it needs?"),
    "honest_ambition": _("Is there honesty about the level of ambition of the collaboration?"),
    "mandate": _("Is it clear what mandate those who take part in the collaboration have?"),
    "results": _("Is it clear how the results of the collaboration will be taken care of?"),
}
