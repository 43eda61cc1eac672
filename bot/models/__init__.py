"""The SQLAlchemy models of the domain (docs/ARCHITECTURE.md, "Domain"), one module each."""

from bot.models.base import Base, UTCDateTime, utcnow
from bot.models.business import (
    ApiKey,
    Business,
    CannedReply,
    Location,
    Service,
    StaffMember,
    User,
    UserRole,
    WorkingHours,
)
from bot.models.customers import AddressKind, ContactAddress, Customer
from bot.models.messaging import (
    Author,
    Conversation,
    ConversationState,
    Direction,
    InboxStatus,
    Message,
    ProcessedWebhook,
)
from bot.models.outbox import Notification, NotificationRule, Template, rule_location
from bot.models.records import (
    AppointmentStatus,
    CancelledBy,
    Record,
    RecordKind,
    RecordSource,
    RecordStatusDefinition,
)

__all__ = [
    "AddressKind",
    "ApiKey",
    "AppointmentStatus",
    "Author",
    "Base",
    "Business",
    "CannedReply",
    "CancelledBy",
    "ContactAddress",
    "Conversation",
    "ConversationState",
    "Customer",
    "Direction",
    "InboxStatus",
    "Location",
    "Message",
    "Notification",
    "NotificationRule",
    "ProcessedWebhook",
    "Record",
    "RecordKind",
    "RecordSource",
    "RecordStatusDefinition",
    "Service",
    "StaffMember",
    "Template",
    "User",
    "UserRole",
    "UTCDateTime",
    "WorkingHours",
    "rule_location",
    "utcnow",
]
