//! External services as traits, each with a sandbox that keeps what it would have sent in the
//! dev inbox. Real adapters plug in behind the same traits through configuration.

pub mod email;
pub mod identity;
pub mod payment;
pub mod regulator;
pub mod sandbox;
pub mod sms;
pub mod unconfigured;
pub mod webhook;

pub use email::{EmailMessage, EmailSender};
pub use identity::{CheckOutcome, IdentityChecks, Transfer};
pub use payment::{Notification, PaymentCode, PaymentGateway, PaymentRequest, SandboxGateway};
pub use regulator::{RegulatorAnswer, RegulatorPost, RegulatorSender};
pub use sandbox::{SandboxInbox, SandboxMessage};
pub use sms::{SmsMessage, SmsSender};
pub use unconfigured::Unconfigured;
pub use webhook::{WebhookPost, WebhookSender};
