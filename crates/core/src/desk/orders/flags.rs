//! What the automatic checks want a reviewer to look at, as codes: stored in the order's `flags`
//! and in the `submitted` history note, rendered in the reader's language when read (the web app
//! keys its translations on the same codes). A flag about one party's identity check is
//! `<code>:<party>`. Flags stored before codes existed are Chinese sentences and read as they are.

use super::history::Lang;

/// The invoice title is not the organisation's name.
pub const INVOICE_TITLE_MISMATCH: &str = "invoice_title_mismatch";

/// Why a party's identity check went to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOver {
    /// The applicant chose to mail the signed paper form.
    OfflineForm,
    /// The bank does not take micro-deposit checks.
    BankUnsupported,
    /// The deposit amount was entered wrong too often.
    DepositTries,
    /// Any other hand-over.
    Manual,
}

impl HandOver {
    const ALL: [Self; 4] = [
        Self::OfflineForm,
        Self::BankUnsupported,
        Self::DepositTries,
        Self::Manual,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::OfflineForm => "offline_form",
            Self::BankUnsupported => "bank_unsupported",
            Self::DepositTries => "deposit_tries",
            Self::Manual => "manual_check",
        }
    }

    /// The flag for `party` (`organisation`, `operator` or `person`).
    pub fn flag(self, party: &str) -> String {
        format!("{}:{party}", self.code())
    }

    fn text(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Self::OfflineForm, true) => "申请人选择线下邮寄申请表，待收到纸质材料后人工审核",
            (Self::OfflineForm, false) => {
                "the applicant chose the paper form: review it when it arrives"
            }
            (Self::BankUnsupported, true) => "开户行暂不支持小额打款验证，已转人工审核",
            (Self::BankUnsupported, false) => {
                "the bank takes no micro-deposit checks: check by hand"
            }
            (Self::DepositTries, true) => "打款金额 3 次输入错误，已转人工审核",
            (Self::DepositTries, false) => {
                "the deposit amount was entered wrong 3 times: check by hand"
            }
            (Self::Manual, true) => "身份核验已转人工审核",
            (Self::Manual, false) => "the identity check went to a reviewer",
        }
    }
}

fn party_name(party: &str, zh: bool) -> Option<&'static str> {
    Some(match (party, zh) {
        ("organisation", true) => "单位",
        ("organisation", false) => "Organisation",
        ("operator", true) => "经办人",
        ("operator", false) => "Operator",
        ("person", true) => "申请人",
        ("person", false) => "Applicant",
        _ => return None,
    })
}

/// A flag as a sentence in `lang`; a flag stored before codes existed (or of a code this build
/// does not know) as it is.
pub fn flag_text(flag: &str, lang: Lang) -> String {
    let zh = lang == Lang::ZhCn;
    if flag == INVOICE_TITLE_MISMATCH {
        return if zh {
            "发票抬头与单位名称不一致"
        } else {
            "The invoice title differs from the organisation's name"
        }
        .to_owned();
    }
    let known = flag.split_once(':').and_then(|(code, party)| {
        let hand_over = HandOver::ALL.into_iter().find(|h| h.code() == code)?;
        Some((hand_over, party_name(party, zh)?))
    });
    match known {
        Some((hand_over, party)) if zh => format!("{party}：{}", hand_over.text(true)),
        Some((hand_over, party)) => format!("{party}: {}", hand_over.text(false)),
        None => flag.to_owned(),
    }
}

/// Flags as one sentence in `lang`.
pub fn flags_text(flags: &[String], lang: Lang) -> String {
    let texts: Vec<String> = flags.iter().map(|f| flag_text(f, lang)).collect();
    texts.join(if lang == Lang::ZhCn { "；" } else { "; " })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_in_both_languages() {
        let offline = HandOver::OfflineForm.flag("organisation");
        assert_eq!(offline, "offline_form:organisation");
        assert_eq!(
            flag_text(&offline, Lang::ZhCn),
            "单位：申请人选择线下邮寄申请表，待收到纸质材料后人工审核"
        );
        assert_eq!(
            flag_text(&offline, Lang::En),
            "Organisation: the applicant chose the paper form: review it when it arrives"
        );
        let tries = HandOver::DepositTries.flag("organisation");
        assert!(flag_text(&tries, Lang::ZhCn).contains("3 次输入错误"));
        assert_eq!(
            flag_text(INVOICE_TITLE_MISMATCH, Lang::En),
            "The invoice title differs from the organisation's name"
        );
        let both = [INVOICE_TITLE_MISMATCH.to_owned(), tries];
        assert_eq!(
            flags_text(&both, Lang::En),
            "The invoice title differs from the organisation's name; \
             Organisation: the deposit amount was entered wrong 3 times: check by hand"
        );
        // No English text carries a Chinese character.
        for hand_over in HandOver::ALL {
            for party in ["organisation", "operator", "person"] {
                let text = flag_text(&hand_over.flag(party), Lang::En);
                assert!(text.is_ascii(), "{text}");
            }
        }
    }

    #[test]
    fn sentences_stored_before_codes_read_as_they_are() {
        assert_eq!(
            flag_text("发票抬头与单位名称不一致", Lang::En),
            "发票抬头与单位名称不一致"
        );
        // A known code with a party this build does not know is kept as is too.
        assert_eq!(
            flag_text("offline_form:martian", Lang::En),
            "offline_form:martian"
        );
    }
}
