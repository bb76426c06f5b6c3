//! E-mail over SMTP with `lettre` on tokio and rustls: implicit TLS, required STARTTLS, or plain
//! for a relay on the loopback interface only.

use std::net::IpAddr;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use signet_core::platform::providers::{EmailMessage, EmailSender};
use signet_core::{CoreError, PlatformError};

use crate::ConfigError;
use crate::config::{SmtpConfig, SmtpSecurity};
use crate::http::failed;

pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl SmtpSender {
    pub fn new(config: &SmtpConfig) -> Result<Self, ConfigError> {
        let error = |e: lettre::transport::smtp::Error| ConfigError(format!("[smtp] {e}"));
        let mut builder = match config.security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .map_err(error)?
                .port(config.port.unwrap_or(465)),
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                    .map_err(error)?
                    .port(config.port.unwrap_or(587))
            }
            SmtpSecurity::Plain => {
                if !is_loopback(&config.host) {
                    return Err(ConfigError(format!(
                        "[smtp] security = \"plain\" is only allowed for a server on loopback, not {}",
                        config.host
                    )));
                }
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
                    .port(config.port.unwrap_or(25))
            }
        };
        match (&config.username, &config.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
            }
            (None, None) => {}
            _ => {
                return Err(ConfigError(
                    "[smtp] username and password go together".into(),
                ));
            }
        }
        let from = config
            .from
            .parse::<Mailbox>()
            .map_err(|e| ConfigError(format!("[smtp] from = {:?}: {e}", config.from)))?;
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }
}

#[async_trait]
impl EmailSender for SmtpSender {
    async fn send(&self, to: &str, message: &EmailMessage) -> Result<(), CoreError> {
        let to = to.parse::<Mailbox>().map_err(|_| PlatformError::Invalid {
            field: "email",
            zh: "电子邮箱格式不正确",
            en: "The e-mail address is not valid",
        })?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(message.body.clone())
            .map_err(|e| failed("smtp", e))?;
        self.transport
            .send(email)
            .await
            .map_err(|e| failed("smtp", e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(host: &str, security: SmtpSecurity) -> SmtpConfig {
        SmtpConfig {
            host: host.into(),
            port: None,
            security,
            username: None,
            password: None,
            from: "Signet <noreply@signet.example>".into(),
        }
    }

    #[test]
    fn plain_smtp_only_on_loopback() {
        assert!(SmtpSender::new(&config("127.0.0.1", SmtpSecurity::Plain)).is_ok());
        let refused = SmtpSender::new(&config("smtp.example.com", SmtpSecurity::Plain))
            .err()
            .unwrap();
        assert!(refused.0.contains("loopback"), "{refused}");
        assert!(SmtpSender::new(&config("smtp.example.com", SmtpSecurity::Starttls)).is_ok());
    }
}
