//! The producer's station in the browser (APP-13, issue 13): the staff console drives the tokens
//! plugged into the producer's own machine through the key agent, and the platform issues each
//! certificate from the request made on the token. [`plan`] tells the console what to make;
//! [`produce`] issues one certificate (through [`production::produce_on_token`], which counts
//! against the order's quantity under the order's lock) and keeps the token's SO PIN sealed.
//! `signet token produce` does the same from the command line.

use serde::Serialize;

use super::DeskError;
use super::catalog::{self, Medium, Product};
use super::orders::{Order, OrderState};
use super::production::{self, TokenProduction};
use crate::Platform;
use crate::ca::CertificateInfo;
use crate::error::{CoreError, PlatformError};

/// Longest SO PIN or token serial accepted (PKCS#11 serials are 16 characters).
const MAX_FIELD: usize = 64;

/// What the producer's console needs to make one certificate of a USB-key order.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    /// The key to make on the token: `ecdsa-p256` or `rsa-2048` (the agent's names).
    pub algorithm: String,
    /// The subject the request names (the CA certifies the verified one anyway).
    pub subject_dn: String,
    /// Label of the key pair and of the token (at most 32 bytes).
    pub label: String,
    /// The product's user PIN rule: the PIN the holder receives.
    pub pin_min: i64,
    pub pin_max: i64,
    /// The token model the product ships.
    pub token_model: String,
    pub quantity: i64,
    /// Certificates already written for this order.
    pub made: i64,
}

/// The key algorithm a CA family's subscribers get on a token.
pub fn token_algorithm(ca: &str) -> Result<&'static str, CoreError> {
    match ca {
        "rsa" => Ok("rsa-2048"),
        "ecc" => Ok("ecdsa-p256"),
        _ => Err(PlatformError::Invalid {
            field: "ca",
            zh: "该产品的证书体系不支持 USB Key 制证（PKCS#11 没有标准的 SM2 机制）",
            en: "USB-key production supports the rsa and ecc CAs (PKCS#11 has no standard SM2 mechanism)",
        }.into()),
    }
}

/// The product of a USB-key order awaiting production, or why the station cannot produce it.
async fn producible(platform: &Platform, order: &Order) -> Result<Product, CoreError> {
    let product = catalog::product(platform, &order.product_id).await?;
    if product.settings.medium != Medium::UsbKey || order.state != OrderState::AwaitingProduction {
        return Err(DeskError::Transition("produce", order.state.as_str()).into());
    }
    Ok(product)
}

/// What to make for `order`, refused unless it is a USB-key order awaiting production.
pub async fn plan(platform: &Platform, order: &Order) -> Result<Plan, CoreError> {
    let product = producible(platform, order).await?;
    let made = production::certificates_of(platform, &order.id)
        .await?
        .len();
    Ok(Plan {
        algorithm: token_algorithm(&product.ca)?.to_owned(),
        subject_dn: production::subject(&product, &order.form)?,
        label: format!("Signet {}", order.number)
            .chars()
            .take(32)
            .collect(),
        pin_min: product.settings.pin_min,
        pin_max: product.settings.pin_max,
        token_model: product.settings.token_model.clone(),
        quantity: order.quantity,
        made: i64::try_from(made).unwrap_or(i64::MAX),
    })
}

/// One token's worth of production, as the console sends it.
pub struct Made<'a> {
    /// The PKCS#10 request made on the token (DER or PEM).
    pub csr: &'a [u8],
    pub token_serial: &'a str,
    pub token_model: &'a str,
    /// The SO PIN the agent set when it initialised the token (or the producer typed for one
    /// initialised before): sealed under the certificate's row, never shown.
    pub so_pin: Option<&'a str>,
}

/// One production at a time in this process. Racing requests for an order wait here rather
/// than in the database, where each would hold a pooled connection while the order's row lock
/// is held, and enough of them starve the pool the winner still needs. (Across processes the
/// row lock in [`production::produce_on_token`] still decides.)
fn one_at_a_time() -> &'static tokio::sync::Mutex<()> {
    static STATION: std::sync::OnceLock<tokio::sync::Mutex<()>> = std::sync::OnceLock::new();
    STATION.get_or_init(|| tokio::sync::Mutex::new(()))
}

/// Issues one certificate of `order` from a request made on a token at the producer's station.
/// The last one moves the order to awaiting shipment; one more than the quantity is refused.
pub async fn produce(
    platform: &Platform,
    order: &Order,
    made: &Made<'_>,
    actor: &str,
) -> Result<CertificateInfo, CoreError> {
    let _turn = one_at_a_time().lock().await;
    // As it is now, after whoever went first.
    let order = &super::orders::load(platform, &order.id).await?;
    producible(platform, order).await?;
    let serial = made.token_serial.trim();
    if serial.is_empty() || serial.len() > MAX_FIELD {
        return Err(PlatformError::Invalid {
            field: "token_serial",
            zh: "缺少 USB Key 序列号",
            en: "The token serial is missing",
        }
        .into());
    }
    let so_pin = made.so_pin.filter(|pin| !pin.is_empty());
    if so_pin.is_some_and(|pin| pin.len() > MAX_FIELD || pin.chars().any(char::is_control)) {
        return Err(PlatformError::Invalid {
            field: "so_pin",
            zh: "管理员 PIN 格式不正确",
            en: "The SO PIN is malformed",
        }
        .into());
    }
    production::produce_on_token(
        platform,
        order,
        &TokenProduction {
            csr: made.csr,
            token_serial: serial,
            token_model: made.token_model.trim(),
            so_pin,
            actor,
        },
    )
    .await
}
