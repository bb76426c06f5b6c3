//! What an order's history rows say, as a code and its parameters: stored so, rendered in the
//! reader's language when read. Rows written before codes existed keep their Chinese sentence and
//! read back as the code `note` with that sentence as `text`.

use serde::{Deserialize, Serialize};

use crate::platform::ids::Fen;

/// The note of one history row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum Note {
    /// The applicant went back to editing a rejected (or failed) application.
    Edited,
    /// Signed and submitted; `flags` are what the automatic checks want a person to look at, as
    /// codes (see [`super::flags`]).
    Submitted {
        flags: Vec<String>,
    },
    Verified,
    Paid {
        amount_fen: Fen,
        channel: String,
    },
    Approved,
    /// A renewal approved by the system: the product's renewals need no review (LIFE-2).
    ApprovedWithoutReview,
    Rejected {
        reason: String,
    },
    Cancelled,
    Refunded {
        amount_fen: Fen,
    },
    CloudIssued {
        serials: Vec<String>,
    },
    ReadyForDownload,
    AwaitKeyUpdate,
    AwaitRecovery,
    AwaitUnlock,
    ProducedToToken,
    Downloaded,
    KeyUpdated,
    Recovered,
    Unlocked,
    Shipped {
        courier: String,
        tracking: String,
    },
    TokenWritten {
        serial: String,
    },
    ShippingChanged,
    /// Approved, and the product issues no certificate: the order is done.
    Concluded,
    /// What the part that builds on the order made of it once it completed (the desk knows no
    /// more than the two sentences it is given, in Chinese and English).
    Settled {
        zh: String,
        en: String,
    },
    /// A row written before codes existed: its stored sentence.
    Note {
        text: String,
    },
}

/// A reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    ZhCn,
    En,
}

impl Note {
    /// The stable code the web app keys its translations on.
    pub fn code(&self) -> String {
        crate::desk::coded::code(self)
    }

    /// The parameters, an object (empty for notes without any).
    pub fn params(&self) -> serde_json::Value {
        crate::desk::coded::params(self)
    }

    /// Reads a stored row back: `code` and `params` when the row has them, else the old sentence.
    pub fn read(code: Option<&str>, params: Option<&str>, legacy_text: &str) -> Self {
        crate::desk::coded::read(code, params).unwrap_or_else(|| Self::Note {
            text: legacy_text.to_owned(),
        })
    }

    /// The sentence for `lang`.
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per note: the texts read best as one table"
    )]
    pub fn text(&self, lang: Lang) -> String {
        let zh = lang == Lang::ZhCn;
        let pick = |zh_text: &str, en_text: &str| {
            if zh {
                zh_text.to_owned()
            } else {
                en_text.to_owned()
            }
        };
        match self {
            Self::Edited => pick("申请人修改后重新编辑", "The applicant is editing again"),
            // Submitting comes before any identity check: nothing has "passed" yet.
            Self::Submitted { flags } if flags.is_empty() => {
                pick("提交成功，待身份核验", "Submitted; identity checks next")
            }
            Self::Submitted { flags } => {
                let list = super::flags::flags_text(flags, lang);
                if zh {
                    format!("提交成功，待身份核验；需人工确认：{list}")
                } else {
                    format!("Submitted; identity checks next; for a reviewer to confirm: {list}")
                }
            }
            Self::Verified => pick("身份核验完成", "Identity verified"),
            Self::Paid {
                amount_fen,
                channel,
            } => {
                let channel = channel_name(channel, zh);
                if zh {
                    format!("已支付 {} 元（{channel}）", amount_fen.yuan())
                } else {
                    format!("Paid CNY {} ({channel})", amount_fen.yuan())
                }
            }
            Self::Approved => pick("审核通过", "Approved"),
            Self::ApprovedWithoutReview => pick(
                "本产品的证书更新无需人工审核，已自动通过",
                "Renewals of this product need no review: approved automatically",
            ),
            Self::Rejected { reason } => {
                if zh {
                    format!("驳回：{reason}")
                } else {
                    format!("Rejected: {reason}")
                }
            }
            Self::Cancelled => pick("订单已取消", "Order cancelled"),
            Self::Refunded { amount_fen } => {
                if zh {
                    format!("已退款 {} 元", amount_fen.yuan())
                } else {
                    format!("Refunded CNY {}", amount_fen.yuan())
                }
            }
            Self::CloudIssued { serials } => {
                if zh {
                    format!("云证书已签发：{}", serials.join("、"))
                } else {
                    format!("Cloud certificates issued: {}", serials.join(", "))
                }
            }
            Self::ReadyForDownload => pick(
                "审核通过，请使用证书助手将证书下载到您的 Key 中",
                "Approved; download the certificate to your key with the certificate assistant",
            ),
            Self::AwaitKeyUpdate => pick(
                "新证书待写入您的 USB Key：请插入 Key 并在证书助手中完成更新",
                "The new certificate waits for your USB key: insert it and update in the certificate assistant",
            ),
            Self::AwaitRecovery => pick(
                "补办证书待写入新的 USB Key",
                "The reissued certificate waits to be written to a new USB key",
            ),
            Self::AwaitUnlock => pick(
                "审核通过：请在证书助手中插入 USB Key 完成解锁",
                "Approved: insert the USB key in the certificate assistant to unlock it",
            ),
            Self::ProducedToToken => pick(
                "证书已写入 USB Key，待配送",
                "Certificate written to a USB key, awaiting delivery",
            ),
            Self::Downloaded => pick(
                "证书已下载到申请人的 Key",
                "Certificate downloaded to the applicant's key",
            ),
            Self::KeyUpdated => pick(
                "新证书已写入 USB Key",
                "New certificate written to the USB key",
            ),
            Self::Recovered => pick(
                "补办证书已写入新的 USB Key",
                "Reissued certificate written to a new USB key",
            ),
            Self::Unlocked => pick("USB Key 已解锁", "USB key unlocked"),
            Self::Shipped { courier, tracking } => {
                if zh {
                    format!("已发货：{courier} {tracking}")
                } else {
                    format!("Shipped: {courier} {tracking}")
                }
            }
            Self::TokenWritten { serial } => {
                if zh {
                    format!("证书 {serial} 已写入 USB Key")
                } else {
                    format!("Certificate {serial} written to a USB key")
                }
            }
            Self::ShippingChanged => pick("收货地址已修改", "Shipping address changed"),
            Self::Concluded => pick(
                "审核通过，业务已办结（本业务不签发证书）",
                "Approved; done (this business issues no certificate)",
            ),
            Self::Settled { zh: zh_text, en } => pick(zh_text, en),
            Self::Note { text } => text.clone(),
        }
    }
}

/// A payment channel as people name it (`wechat` → 微信支付 / WeChat Pay); an unknown code as is.
pub fn channel_name(code: &str, zh: bool) -> String {
    match (code, zh) {
        ("wechat", true) => "微信支付".to_owned(),
        ("wechat", false) => "WeChat Pay".to_owned(),
        ("alipay", true) => "支付宝".to_owned(),
        ("alipay", false) => "Alipay".to_owned(),
        _ => code.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_round_trip_through_code_and_params() {
        let notes = [
            Note::Approved,
            Note::Rejected {
                reason: "营业执照模糊".into(),
            },
            Note::Paid {
                amount_fen: Fen::new(30_005),
                channel: "wechat".into(),
            },
            Note::Submitted { flags: vec![] },
        ];
        for note in notes {
            let params = note.params().to_string();
            assert_eq!(
                Note::read(Some(&note.code()), Some(&params), "ignored"),
                note
            );
        }
    }

    #[test]
    fn texts_follow_the_language() {
        let paid = Note::Paid {
            amount_fen: Fen::new(30_005),
            channel: "alipay".into(),
        };
        assert_eq!(paid.code(), "paid");
        assert_eq!(paid.text(Lang::ZhCn), "已支付 300.05 元（支付宝）");
        assert_eq!(paid.text(Lang::En), "Paid CNY 300.05 (Alipay)");
        let wechat = Note::Paid {
            amount_fen: Fen::new(100),
            channel: "wechat".into(),
        };
        assert_eq!(wechat.text(Lang::ZhCn), "已支付 1.00 元（微信支付）");
        // Submitting is not a check passed: the sentence says what comes next.
        let submitted = Note::Submitted { flags: vec![] };
        assert_eq!(submitted.text(Lang::ZhCn), "提交成功，待身份核验");
        assert!(!submitted.text(Lang::ZhCn).contains("通过"));
        assert_eq!(Note::Approved.params(), serde_json::json!({}));
    }

    /// One note of every kind; the match has no catch-all, so a new kind must be added here.
    fn every_note() -> Vec<Note> {
        let notes = vec![
            Note::Edited,
            Note::Submitted {
                flags: vec![super::super::flags::INVOICE_TITLE_MISMATCH.into()],
            },
            Note::Verified,
            Note::Paid {
                amount_fen: Fen::new(100),
                channel: "wechat".into(),
            },
            Note::Approved,
            Note::ApprovedWithoutReview,
            Note::Rejected {
                reason: "blurred".into(),
            },
            Note::Cancelled,
            Note::Refunded {
                amount_fen: Fen::new(100),
            },
            Note::CloudIssued {
                serials: vec!["0a1b".into()],
            },
            Note::ReadyForDownload,
            Note::AwaitKeyUpdate,
            Note::AwaitRecovery,
            Note::AwaitUnlock,
            Note::ProducedToToken,
            Note::Downloaded,
            Note::KeyUpdated,
            Note::Recovered,
            Note::Unlocked,
            Note::Shipped {
                courier: "SF".into(),
                tracking: "SF123".into(),
            },
            Note::TokenWritten {
                serial: "0a1b".into(),
            },
            Note::ShippingChanged,
            Note::Concluded,
            Note::Settled {
                zh: "管理员已变更".into(),
                en: "The administrator changed".into(),
            },
        ];
        for note in &notes {
            let coded = match note {
                Note::Edited
                | Note::Submitted { .. }
                | Note::Verified
                | Note::Paid { .. }
                | Note::Approved
                | Note::ApprovedWithoutReview
                | Note::Rejected { .. }
                | Note::Cancelled
                | Note::Refunded { .. }
                | Note::CloudIssued { .. }
                | Note::ReadyForDownload
                | Note::AwaitKeyUpdate
                | Note::AwaitRecovery
                | Note::AwaitUnlock
                | Note::ProducedToToken
                | Note::Downloaded
                | Note::KeyUpdated
                | Note::Recovered
                | Note::Unlocked
                | Note::Shipped { .. }
                | Note::TokenWritten { .. }
                | Note::ShippingChanged
                | Note::Concluded
                | Note::Settled { .. } => true,
                // The sentence of a row older than codes: written by no code path.
                Note::Note { .. } => false,
            };
            assert!(coded, "{note:?}");
        }
        notes
    }

    #[test]
    fn every_note_reads_in_english_here_and_in_the_web_app() {
        let web = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../web/src/i18n/desk.en.ts"
        ))
        .unwrap();
        let start = web.find("  history: {").unwrap();
        let end = start + web[start..].find("\n  },").unwrap();
        let block = &web[start..end];
        for note in every_note() {
            let text = note.text(Lang::En);
            assert!(
                text.is_ascii() && !text.contains('：'),
                "{}: {text}",
                note.code()
            );
            assert_ne!(text, note.text(Lang::ZhCn), "{}", note.code());
            let key = format!("\n    {}: ", note.code());
            assert!(
                block.contains(&key),
                "desk.en.ts has no history.{} for the web app",
                note.code()
            );
        }
    }

    #[test]
    fn rows_without_a_code_keep_their_sentence() {
        let old = Note::read(None, None, "审核通过");
        assert_eq!(old.code(), "note");
        assert_eq!(old.text(Lang::En), "审核通过");
        // An unknown code (written by a newer version) also falls back to the sentence.
        assert_eq!(
            Note::read(Some("teleported"), Some("{}"), "旧文本").text(Lang::ZhCn),
            "旧文本"
        );
    }
}
