//! What a check's result says, as a code and its parameters: stored in `desk_verifications`
//! (`detail_code`, `detail_params`) beside the Chinese sentence, rendered in the reader's
//! language when read (the web app keys its translations on the same codes). Rows written before
//! codes existed have only the sentence and read back as the code `note`.

use serde::{Deserialize, Serialize};

use super::super::orders::Lang;
use crate::desk::orders::flags::HandOver;

/// The result of one identity check, as the applicant and the reviewer read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum CheckDetail {
    /// Three- or four-factor check passed.
    Passed,
    /// Three- or four-factor check failed; `why` is the provider's reason (in Chinese).
    Mismatch {
        why: String,
    },
    /// The micro-deposit was sent to the account ending in `last4` at `bank`.
    DepositSent {
        bank: String,
        last4: String,
    },
    /// The amount entered matched the deposit.
    DepositPassed,
    /// The amount was entered wrong too often: a person checks.
    DepositTries,
    /// The bank takes no micro-deposit checks: a person checks.
    BankUnsupported {
        bank: String,
    },
    /// The face-check link went to `phone` (masked).
    FaceSent {
        phone: String,
    },
    FacePassed,
    FaceFailed,
    FaceExpired,
    /// The applicant chose to mail the signed paper form: a person checks.
    OfflineForm,
    /// A row written before codes existed: its stored sentence.
    Note {
        text: String,
    },
}

impl CheckDetail {
    /// Reads a stored row: its code and parameters, else its sentence (older rows, or a code
    /// this build does not know).
    pub fn read(code: Option<&str>, params: Option<&str>, legacy_text: &str) -> Self {
        crate::desk::coded::read(code, params).unwrap_or_else(|| Self::Note {
            text: legacy_text.to_owned(),
        })
    }

    /// The stable code the web app keys its translations on.
    pub fn code(&self) -> String {
        crate::desk::coded::code(self)
    }

    /// The parameters, an object (empty for results without any).
    pub fn params(&self) -> serde_json::Value {
        crate::desk::coded::params(self)
    }

    /// The parameters as stored (`{}` when there are none).
    pub(super) fn stored_params(&self) -> String {
        self.params().to_string()
    }

    /// Why the check went to a person, when it did.
    pub(super) fn hand_over(&self) -> HandOver {
        match self {
            Self::OfflineForm => HandOver::OfflineForm,
            Self::DepositTries => HandOver::DepositTries,
            Self::BankUnsupported { .. } => HandOver::BankUnsupported,
            Self::Note { text } => legacy_hand_over(text),
            _ => HandOver::Manual,
        }
    }

    /// The sentence for `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let zh = lang == Lang::ZhCn;
        let pick = |zh_text: &str, en_text: &str| if zh { zh_text } else { en_text }.to_owned();
        match self {
            Self::Passed => pick("核验通过", "Verified"),
            Self::Mismatch { why } => {
                if zh {
                    format!("核验未通过：{why}。可修改信息后重试，或选择线下邮寄申请")
                } else {
                    "Not verified: the details do not match the records. Correct them and try \
                     again, or choose the paper form"
                        .to_owned()
                }
            }
            Self::DepositSent { bank, last4 } => {
                if zh {
                    format!("已向{bank}尾号 {last4} 的账户打款，请在 72 小时内输入到账金额")
                } else {
                    format!(
                        "A small amount was sent to the account ending in {last4}; enter it \
                         within 72 hours"
                    )
                }
            }
            Self::DepositPassed => pick("打款金额核验通过", "The deposit amount matched"),
            Self::DepositTries => pick(
                "打款金额 3 次输入错误，已转人工审核",
                "The amount was entered wrong 3 times; a reviewer will check by hand",
            ),
            Self::BankUnsupported { bank } => {
                if zh {
                    format!("{bank}{BANK_UNSUPPORTED_TAIL}")
                } else {
                    "This bank takes no micro-deposit checks; a reviewer will check by hand"
                        .to_owned()
                }
            }
            Self::FaceSent { phone } => {
                if zh {
                    format!("人脸核验链接已发送至 {phone}，也可扫描二维码现场核验")
                } else {
                    format!(
                        "The face-check link was sent to {phone}; you can also scan the QR code \
                         here"
                    )
                }
            }
            Self::FacePassed => pick("人脸核验通过", "Face check passed"),
            Self::FaceFailed => pick(
                "人脸核验未通过：活体检测或人像比对不一致。可重新发起，或选择线下邮寄申请",
                "Face check failed: the liveness or photo comparison did not match. Start again, \
                 or choose the paper form",
            ),
            Self::FaceExpired => pick(
                "人脸核验链接已过期，请重新发起",
                "The face-check link has expired; start a new one",
            ),
            Self::OfflineForm => pick(
                "申请人选择线下邮寄申请表，待收到纸质材料后人工审核",
                "The paper form was chosen; a reviewer checks it when it arrives",
            ),
            Self::Note { text } => text.clone(),
        }
    }
}

const BANK_UNSUPPORTED_TAIL: &str = "暂不支持小额打款验证，已转人工审核";

/// Why a check went to a person, read from a sentence stored before codes existed.
fn legacy_hand_over(text: &str) -> HandOver {
    if text == CheckDetail::OfflineForm.text(Lang::ZhCn) {
        HandOver::OfflineForm
    } else if text == CheckDetail::DepositTries.text(Lang::ZhCn) {
        HandOver::DepositTries
    } else if text.ends_with(BANK_UNSUPPORTED_TAIL) {
        HandOver::BankUnsupported
    } else {
        HandOver::Manual
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_detail() -> Vec<CheckDetail> {
        let s = String::from;
        vec![
            CheckDetail::Passed,
            CheckDetail::Mismatch {
                why: s("手机号码与姓名、身份证号不匹配"),
            },
            CheckDetail::DepositSent {
                bank: s("中国工商银行"),
                last4: s("6789"),
            },
            CheckDetail::DepositPassed,
            CheckDetail::DepositTries,
            CheckDetail::BankUnsupported {
                bank: s("某银行")
            },
            CheckDetail::FaceSent {
                phone: s("138****0000"),
            },
            CheckDetail::FacePassed,
            CheckDetail::FaceFailed,
            CheckDetail::FaceExpired,
            CheckDetail::OfflineForm,
        ]
    }

    #[test]
    fn every_result_reads_in_english_here_and_in_the_web_app() {
        let web = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../web/src/i18n/desk.en.ts"
        ))
        .unwrap();
        let start = web.find("  checkDetail: {").unwrap();
        let end = start + web[start..].find("\n  },").unwrap();
        let block = &web[start..end];
        for detail in every_detail() {
            let text = detail.text(Lang::En);
            assert!(
                text.is_ascii() && !text.contains('：'),
                "{}: {text}",
                detail.code()
            );
            assert_ne!(text, detail.text(Lang::ZhCn), "{}", detail.code());
            let key = format!("\n    {}: ", detail.code());
            assert!(
                block.contains(&key),
                "desk.en.ts has no checkDetail.{} for the web app",
                detail.code()
            );
        }
    }

    #[test]
    fn stored_codes_read_back_and_old_sentences_stay() {
        for detail in every_detail() {
            let params = detail.stored_params();
            let back = CheckDetail::read(Some(&detail.code()), Some(&params), "?");
            assert_eq!(back, detail);
        }
        let old = CheckDetail::read(None, None, "核验通过");
        assert_eq!(old.code(), "note");
        assert_eq!(old.text(Lang::En), "核验通过");
        assert_eq!(
            CheckDetail::read(Some("teleported"), None, "旧文本").text(Lang::ZhCn),
            "旧文本"
        );
    }

    #[test]
    fn hand_overs_are_read_from_codes_and_from_old_sentences() {
        assert_eq!(CheckDetail::OfflineForm.hand_over(), HandOver::OfflineForm);
        assert_eq!(
            CheckDetail::DepositTries.hand_over(),
            HandOver::DepositTries
        );
        let bank = CheckDetail::BankUnsupported {
            bank: "某银行".into(),
        };
        assert_eq!(bank.hand_over(), HandOver::BankUnsupported);
        for detail in [
            CheckDetail::OfflineForm,
            CheckDetail::DepositTries,
            bank.clone(),
        ] {
            let old = CheckDetail::Note {
                text: detail.text(Lang::ZhCn),
            };
            assert_eq!(old.hand_over(), detail.hand_over());
        }
        assert_eq!(CheckDetail::Passed.hand_over(), HandOver::Manual);
    }
}
