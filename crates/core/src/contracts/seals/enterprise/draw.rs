//! What an enterprise's generated seal shows, by its type's shape: round seals carry the name
//! and credit code, square ones the legal representative's name, the date stamp today's date
//! (China Standard Time).

use sqlx::Row as _;

use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::seals::art::{SealFont, date, round, square};
use crate::contracts::seals::png::{self, CheckedPng};
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Clock as _;
use crate::platform::crypto::SealedAt;

/// The enterprise's facts a seal needs.
pub(super) struct Enterprise {
    pub name: String,
    pub credit_code: String,
    pub legal_rep_name_sealed: String,
    pub certificate_serial: Option<String>,
}

/// A seal type's row.
pub(super) struct SealType {
    pub code: String,
    pub name: String,
    pub shape: String,
}

impl Enterprise {
    /// The enterprise's facts; not found when it does not exist.
    pub async fn load<'e, E>(executor: E, enterprise_id: &str) -> Result<Self, CoreError>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let row = sqlx::query(
            "SELECT name, credit_code, legal_rep_name_sealed, certificate_serial \
             FROM ec_enterprises WHERE id = $1",
        )
        .bind(enterprise_id)
        .fetch_optional(executor)
        .await?
        .ok_or(PlatformError::NotFound)?;
        Ok(Self {
            name: row.try_get("name")?,
            credit_code: row.try_get("credit_code")?,
            legal_rep_name_sealed: row.try_get("legal_rep_name_sealed")?,
            certificate_serial: row.try_get("certificate_serial")?,
        })
    }

    /// The certificate seals are bound to; [`ContractsError::SealNoCertificate`] without one.
    pub fn certificate(&self) -> Result<&str, CoreError> {
        self.certificate_serial
            .as_deref()
            .ok_or_else(|| ContractsError::SealNoCertificate.into())
    }
}

impl SealType {
    /// An active seal type; an unknown or switched-off code is not found.
    pub async fn load<'e, E>(executor: E, code: &str) -> Result<Self, CoreError>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let row = sqlx::query(
            "SELECT code, name, shape FROM ec_seal_types WHERE code = $1 AND active = 1",
        )
        .bind(code)
        .fetch_optional(executor)
        .await?
        .ok_or(PlatformError::NotFound)?;
        Ok(Self {
            code: row.try_get("code")?,
            name: row.try_get("name")?,
            shape: row.try_get("shape")?,
        })
    }
}

/// Draws the seal of `seal_type` for the enterprise.
pub(super) fn draw(
    platform: &Platform,
    enterprise_id: &str,
    enterprise: &Enterprise,
    seal_type: &SealType,
) -> Result<CheckedPng, CoreError> {
    let font = SealFont::shared()?;
    let image = match seal_type.shape.as_str() {
        "square" => {
            let name = platform.cipher.open(
                SealedAt::new("ec_enterprises", "legal_rep_name_sealed", enterprise_id),
                &enterprise.legal_rep_name_sealed,
            )?;
            square::draw(font, &name)?
        }
        "date" => {
            let china = time::UtcOffset::from_hms(8, 0, 0)
                .map_err(|e| CoreError::internal(e.to_string()))?;
            let today = time::OffsetDateTime::from_unix_timestamp(platform.clock.now())
                .map_err(|e| CoreError::internal(e.to_string()))?
                .to_offset(china);
            date::draw(font, today.year(), today.month().into(), today.day())?
        }
        _ => {
            // The company seal says only the name; other round seals say what they are for.
            let title = if seal_type.code == "company" {
                ""
            } else {
                &seal_type.name
            };
            round::draw(
                font,
                &round::RoundSeal {
                    enterprise: &enterprise.name,
                    title,
                    code: &enterprise.credit_code,
                },
            )?
        }
    };
    png::encode(&image)
}
