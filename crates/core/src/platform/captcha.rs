//! Graphic captchas: a PNG with distorted characters, stored as a digest of the answer, valid for
//! five minutes and spent by the first check, right or wrong.

use captcha::Captcha;
use captcha::filters::{Dots, Noise, Wave};
use serde::Serialize;
use sqlx::Row as _;

use super::Platform;
use super::clock::Clock as _;
use crate::error::{CoreError, PlatformError};

pub const CAPTCHA_LIFETIME: i64 = 300;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedCaptcha {
    pub captcha_id: String,
    /// `data:image/png;base64,…`
    pub image: String,
    pub expires_in: i64,
}

fn draw() -> Result<(String, String), CoreError> {
    let mut captcha = Captcha::new();
    captcha
        .set_chars(
            &"ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
                .chars()
                .collect::<Vec<_>>(),
        )
        .add_chars(4)
        .apply_filter(Noise::new(0.1))
        .apply_filter(Wave::new(2.0, 8.0).horizontal())
        .view(160, 60)
        .apply_filter(Dots::new(6));
    let answer = captcha.chars_as_string();
    let png = captcha
        .as_base64()
        .ok_or_else(|| CoreError::internal("captcha rendering failed"))?;
    Ok((answer, format!("data:image/png;base64,{png}")))
}

fn normalise(answer: &str) -> String {
    answer.trim().to_ascii_uppercase()
}

pub async fn issue(platform: &Platform) -> Result<IssuedCaptcha, CoreError> {
    let (answer, image) = tokio::task::spawn_blocking(draw)
        .await
        .map_err(|e| CoreError::internal(format!("captcha task: {e}")))??;
    let id = platform.random.token()?;
    let now = platform.clock.now();
    sqlx::query("INSERT INTO captchas (id, answer_hash, expires_at, used) VALUES ($1, $2, $3, 0)")
        .bind(&id)
        .bind(
            platform
                .cipher
                .blind_index("captcha", &format!("{id}:{}", normalise(&answer))),
        )
        .bind(now + CAPTCHA_LIFETIME)
        .execute(platform.db.pool())
        .await?;
    if let Some(inbox) = &platform.sandbox {
        inbox
            .keep("captcha", &id, "图形验证码", &answer, Some(&answer))
            .await?;
    }
    Ok(IssuedCaptcha {
        captcha_id: id,
        image,
        expires_in: CAPTCHA_LIFETIME,
    })
}

/// Spends the captcha and checks the answer. The spending commits on its own, so a wrong answer
/// cannot be retried even when the request fails later.
pub async fn check(platform: &Platform, id: &str, answer: &str) -> Result<(), CoreError> {
    let now = platform.clock.now();
    let spent =
        sqlx::query("UPDATE captchas SET used = 1 WHERE id = $1 AND used = 0 AND expires_at > $2")
            .bind(id)
            .bind(now)
            .execute(platform.db.pool())
            .await?;
    if spent.rows_affected() != 1 {
        return Err(PlatformError::CaptchaExpired.into());
    }
    let row = sqlx::query("SELECT answer_hash FROM captchas WHERE id = $1")
        .bind(id)
        .fetch_one(platform.db.pool())
        .await?;
    let stored: String = row.try_get("answer_hash")?;
    let given = platform
        .cipher
        .blind_index("captcha", &format!("{id}:{}", normalise(answer)));
    if stored == given {
        Ok(())
    } else {
        Err(PlatformError::CaptchaWrong.into())
    }
}

/// Deletes captchas past their life (called by housekeeping).
pub async fn purge(platform: &Platform) -> Result<u64, CoreError> {
    let done = sqlx::query("DELETE FROM captchas WHERE expires_at <= $1")
        .bind(platform.clock.now())
        .execute(platform.db.pool())
        .await?;
    Ok(done.rows_affected())
}
