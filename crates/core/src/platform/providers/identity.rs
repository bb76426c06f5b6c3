//! Identity checks the desk buys from outside: carrier three-factor, bank-card four-factor, face
//! check and the corporate micro-deposit transfer; and the sandbox that stands in for them.
//!
//! The sandbox is deterministic so demos and tests can choose the outcome (README, "Sandbox
//! identities"): a mobile number ending in `0000` fails three-factor; a bank card ending in
//! `0000` fails four-factor; a bank whose name contains `不支持` cannot take micro-deposits; face
//! checks wait for the pass/fail page; every transfer is shown in the dev inbox.

use async_trait::async_trait;

use super::SandboxInbox;
use crate::error::CoreError;

/// The outcome of a synchronous check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    Match,
    /// The provider says the data do not belong together; the text says which part, if known.
    Mismatch(String),
}

/// Whether a micro-deposit was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transfer {
    Sent,
    /// The bank cannot receive verification transfers (APP-4: go to manual review).
    BankUnsupported,
}

#[async_trait]
pub trait IdentityChecks: Send + Sync {
    /// Name + ID number + mobile number at the carrier.
    async fn three_factor(
        &self,
        name: &str,
        id_number: &str,
        phone: &str,
    ) -> Result<CheckOutcome, CoreError>;
    /// Name + ID number + bank card + the card's mobile number at the bank.
    async fn four_factor(
        &self,
        name: &str,
        id_number: &str,
        card: &str,
        phone: &str,
    ) -> Result<CheckOutcome, CoreError>;
    /// Sends `amount_fen` to the organisation's account with `memo`.
    async fn micro_deposit(
        &self,
        bank: &str,
        account: &str,
        account_name: &str,
        amount_fen: i64,
        memo: &str,
    ) -> Result<Transfer, CoreError>;
    /// Whether the checks can run at all (the catalog hides methods that cannot).
    fn configured(&self) -> bool {
        true
    }
}

#[async_trait]
impl IdentityChecks for SandboxInbox {
    async fn three_factor(
        &self,
        _name: &str,
        _id_number: &str,
        phone: &str,
    ) -> Result<CheckOutcome, CoreError> {
        Ok(if phone.ends_with("0000") {
            CheckOutcome::Mismatch("手机号码与姓名、身份证号不匹配".into())
        } else {
            CheckOutcome::Match
        })
    }

    async fn four_factor(
        &self,
        _name: &str,
        _id_number: &str,
        card: &str,
        _phone: &str,
    ) -> Result<CheckOutcome, CoreError> {
        Ok(if card.ends_with("0000") {
            CheckOutcome::Mismatch("银行卡信息与姓名、身份证号、预留手机号不匹配".into())
        } else {
            CheckOutcome::Match
        })
    }

    async fn micro_deposit(
        &self,
        bank: &str,
        account: &str,
        account_name: &str,
        amount_fen: i64,
        memo: &str,
    ) -> Result<Transfer, CoreError> {
        if bank.contains("不支持") {
            return Ok(Transfer::BankUnsupported);
        }
        let body = format!(
            "【{bank}】{account_name} 账户尾号 {} 于今日收到 Signet 验证打款 {}.{:02} 元，附言：{memo}",
            account
                .get(account.len().saturating_sub(4)..)
                .unwrap_or(account),
            amount_fen / 100,
            amount_fen % 100
        );
        self.keep(
            "bank",
            account,
            "对公账户入账通知",
            &body,
            Some(&amount_fen.to_string()),
        )
        .await?;
        Ok(Transfer::Sent)
    }
}
