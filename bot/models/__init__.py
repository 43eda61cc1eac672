"""The SQLAlchemy models of the domain, one module per area, with the vocabulary's enums
(`outbound.policy.vocabulary`) re-exported for code that reads models and their values
together."""

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
from bot.models.customers import ContactAddress, Customer
from bot.models.idempotency import IdempotencyKey
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
from bot.models.records import CancelledBy, Record, RecordSource, RecordStatusDefinition
from bot.models.webhooks import WebhookDelivery, WebhookEndpoint
from outbound.policy.vocabulary import AddressKind, AppointmentStatus, RecordKind

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
    "IdempotencyKey",
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
    "WebhookDelivery",
    "WebhookEndpoint",
    "WorkingHours",
    "rule_location",
    "utcnow",
]
