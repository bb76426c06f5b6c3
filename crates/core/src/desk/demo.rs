//! The demo catalog `signet init --demo` seeds, mirroring the three seed manuals: a project that
//! requires two enterprise certificates and reviews before payment (001), a channel reached from
//! a partner platform that takes payment before review (002), and a USB-key product at 300.00 CNY
//! a year with buy / renew / unlock (003). Safe to run again: an existing demo catalog is kept.

use super::catalog::{
    Business, Faq, Help, HelpEnglish, InvoiceTiming, MaterialSpec, Medium, Method, ProductInput,
    ProductSettings, ProjectInput, ProjectKind, SubjectKind, save_product, save_project,
};
use crate::Platform;
use crate::error::CoreError;

const MB: usize = 1024 * 1024;

/// The demo products' names in the English UI.
fn english_name(code: &str) -> String {
    match code {
        "ggzy-org-ukey" => "Organisation certificate (USB key)",
        "ggzy-org-cloud" | "zfgjj-org-cloud" => "Organisation cloud certificate",
        "zfgjj-personal-cloud" => "Personal cloud certificate",
        "ukey-org" => "Organisation UKEY certificate",
        "econtract-org-cloud" => "E-contract enterprise cloud certificate (free)",
        "econtract-org-ukey" => "E-contract enterprise USB key certificate",
        ADMIN_CLAIM => "Claim the administrator role (e-contract enterprise)",
        _ => "",
    }
    .to_owned()
}

fn material(kind: &str, label: &str, required: bool, max_bytes: usize) -> MaterialSpec {
    MaterialSpec {
        kind: kind.into(),
        label: label.into(),
        label_en: english_label(label).into(),
        required,
        max_bytes,
    }
}

/// The English label of a demo material (the catalog editor sets it for real products).
fn english_label(label: &str) -> &'static str {
    match label {
        "营业执照（加盖公章）" => "Business licence (with the official seal)",
        "授权书（加盖公章）" => "Authorisation letter (with the official seal)",
        "印章图片" => "Seal image",
        "身份证人像面" => "ID card, photo side",
        "身份证国徽面" => "ID card, emblem side",
        "营业执照" => "Business licence",
        "授权书" => "Authorisation letter",
        "法人授权委托书（加盖公章）" => {
            "Legal representative's letter of authorisation (with the official seal)"
        }
        "营业执照副本（加盖公章）" => {
            "Business licence duplicate (with the official seal)"
        }
        "经办人身份证人像面" => "Operator's ID card, photo side",
        "经办人身份证国徽面" => "Operator's ID card, emblem side",
        "企业授权书（授权经办人申领管理员，加盖公章）" => {
            "The enterprise's letter authorising the operator to claim the administrator role (with the official seal)"
        }
        _ => "",
    }
}

fn settings(medium: Medium, price_fen: i64, review_first: bool) -> ProductSettings {
    ProductSettings {
        terms: vec![1, 2, 3, 4, 5],
        min_quantity: 1,
        max_quantity: 1,
        medium,
        token_model: if medium == Medium::UsbKey {
            "SoftHSM2 (演示 USB Key)".into()
        } else {
            String::new()
        },
        unit_price_fen: price_fen,
        materials: Vec::new(),
        verification: vec![Method::ThreeFactor, Method::FourFactor, Method::Face],
        operator_verification: Vec::new(),
        invoice: InvoiceTiming::AfterPayment,
        seal_image: "none".into(),
        review_first,
        business: vec![Business::New],
        legal_rep_authorisation: false,
        renewal_review: true,
        issues_certificate: true,
        name_en: String::new(),
        pin_min: 6,
        pin_max: 8,
    }
}

fn faq() -> Vec<Faq> {
    vec![
        Faq {
            question: "纳税人识别号、账号中粘贴进了空格怎么办？".into(),
            answer: "无需处理，系统会自动去除空格。".into(),
            question_en: "I pasted spaces into the taxpayer ID or account number. What now?".into(),
            answer_en: "Nothing: the spaces are removed for you.".into(),
        },
        Faq {
            question: "发货前可以修改收货地址吗？".into(),
            answer: "可以。在“我的订单”中打开订单，生成快递单号前都可修改收货信息。".into(),
            question_en: "Can I change the delivery address before shipping?".into(),
            answer_en: "Yes. Open the order under My orders: the address can change until a tracking number is assigned.".into(),
        },
        Faq {
            question: "对公打款金额输错了怎么办？".into(),
            answer: "可重试 3 次；3 次错误后转人工审核，打款金额 72 小时内有效。".into(),
            question_en: "I entered the wrong micro-deposit amount. What now?".into(),
            answer_en: "You have 3 tries; after 3 wrong amounts the order goes to manual review. The amount is valid for 72 hours.".into(),
        },
    ]
}

/// Seeds the demo catalog; returns the product codes present afterwards.
#[expect(
    clippy::too_many_lines,
    reason = "the demo catalog reads best as one listing"
)]
pub async fn seed_catalog(platform: &Platform) -> Result<Vec<String>, CoreError> {
    // Seeded once: a second `init --demo` neither rewrites what a channel admin changed since
    // nor adds audit rows.
    let existing = super::catalog::list(platform, None).await?;
    match existing.iter().find(|p| p.code == ECONTRACT) {
        None => seed_econtract(platform).await?,
        // A catalog seeded before the claim product existed gains it.
        Some(project) if !project.products.iter().any(|p| p.code == ADMIN_CLAIM) => {
            seed_admin_claim(platform, &project.id).await?;
        }
        Some(_) => {}
    }
    if existing.iter().any(|p| p.code == "ggzy") {
        return Ok(super::catalog::list(platform, None)
            .await?
            .into_iter()
            .flat_map(|p| p.products)
            .map(|p| p.code)
            .collect());
    }
    let actor = "system:demo";
    // 001: a public-resource trading project; exactly two enterprise certificates, review first.
    let bidding = save_project(
        platform,
        &ProjectInput {
            code: "ggzy".into(),
            name: "公共资源交易平台（示例项目）".into(),
            initial: "G".into(),
            kind: ProjectKind::Project,
            help: Help {
                landing_title: "公共资源交易 CA 数字证书在线办理".into(),
                introduction: "投标企业须办理 2 张机构数字证书（USB Key），先审核后付费。".into(),
                notices: vec!["对公账户打款核验金额 72 小时内有效。".into()],
                manual_url: "/manuals/ggzy.pdf".into(),
                client_download_url: "/help/signet-agent".into(),
                faq: faq(),
                service_phone: "400-000-0001".into(),
                service_email: "service@signet.example".into(),
                service_hours: "工作日 8:30–17:30".into(),
                english: HelpEnglish {
                    name: "Public Resource Trading Platform (sample project)".into(),
                    landing_title: "Public resource trading: CA certificates online".into(),
                    introduction: "Bidders need 2 organisation certificates (USB keys); review comes before payment.".into(),
                    notices: vec!["The micro-deposit amount is valid for 72 hours.".into()],
                    service_hours: "Working days 8:30–17:30".into(),
                },
            },
        },
        actor,
    )
    .await?;
    let enterprise_materials = vec![
        material("business_licence", "营业执照（加盖公章）", true, MB),
        material("authorisation_letter", "授权书（加盖公章）", true, MB),
        material("seal_image", "印章图片", false, MB),
    ];
    let mut usb = settings(Medium::UsbKey, 30_000, true);
    usb.min_quantity = 2;
    usb.max_quantity = 2;
    usb.materials.clone_from(&enterprise_materials);
    usb.verification = vec![Method::MicroDeposit];
    usb.operator_verification = vec![Method::ThreeFactor, Method::FourFactor, Method::Face];
    usb.seal_image = "optional".into();
    usb.invoice = InvoiceTiming::AfterShipment;
    usb.business = vec![
        Business::New,
        Business::Renewal,
        Business::Change,
        Business::Reissue,
        Business::Unlock,
    ];
    let mut codes = Vec::new();
    for (code, name, settings, profile) in [
        (
            "ggzy-org-ukey",
            "机构数字证书（USB Key）",
            usb.clone(),
            "enterprise",
        ),
        (
            "ggzy-org-cloud",
            "机构云证书",
            {
                let mut cloud = usb.clone();
                cloud.medium = Medium::Cloud;
                cloud.token_model = String::new();
                cloud.min_quantity = 1;
                cloud.max_quantity = 1;
                cloud.invoice = InvoiceTiming::AfterPayment;
                cloud.business = vec![
                    Business::New,
                    Business::Renewal,
                    Business::Change,
                    Business::Reissue,
                ];
                cloud
            },
            "enterprise",
        ),
    ] {
        save_product(
            platform,
            &bidding,
            &ProductInput {
                code: code.into(),
                name: name.into(),
                subject_kind: SubjectKind::Enterprise,
                ca: "ecc".into(),
                profile: profile.into(),
                settings: ProductSettings {
                    name_en: english_name(code),
                    ..settings
                },
                active: true,
            },
            actor,
        )
        .await?;
        codes.push(code.to_owned());
    }

    // 002: a partner platform's channel; pay first, then review; cloud certificates.
    let channel = save_project(
        platform,
        &ProjectInput {
            code: "zfgjj".into(),
            name: "住房公积金网上业务平台（合作渠道示例）".into(),
            initial: "Z".into(),
            kind: ProjectKind::Channel,
            help: Help {
                landing_title: "住房公积金网上业务 · 数字证书办理".into(),
                introduction:
                    "从公积金网上业务平台进入，在线核验身份、支付后审核，云证书即时签发。".into(),
                notices: vec![
                    "办理前请准备法定代表人身份证、营业执照电子版。".into(),
                    "个人证书支持手机号三要素、银行卡四要素、人脸识别核验。".into(),
                ],
                manual_url: "/manuals/zfgjj.pdf".into(),
                client_download_url: "/help/signet-agent".into(),
                faq: faq(),
                service_phone: "400-000-0002".into(),
                service_email: "gjj@signet.example".into(),
                service_hours: "7×24 小时".into(),
                english: HelpEnglish {
                    name: "Housing Provident Fund Online (sample partner channel)".into(),
                    landing_title: "Housing Provident Fund Online · digital certificates".into(),
                    introduction: "Come from the provident fund platform: verify online, pay, then review; cloud certificates are issued at once.".into(),
                    notices: vec![
                        "Have the legal representative's ID card and the business licence ready.".into(),
                        "Personal certificates verify by phone three-factor, bank-card four-factor or face check.".into(),
                    ],
                    service_hours: "24/7".into(),
                },
            },
        },
        actor,
    )
    .await?;
    let mut personal = settings(Medium::Cloud, 5_000, false);
    personal.materials = vec![
        material("id_front", "身份证人像面", true, 2 * MB),
        material("id_back", "身份证国徽面", true, 2 * MB),
    ];
    personal.business = vec![
        Business::New,
        Business::Renewal,
        Business::Change,
        Business::Reissue,
    ];
    let mut enterprise = settings(Medium::Cloud, 20_000, false);
    enterprise.materials = vec![material("business_licence", "营业执照", true, 2 * MB)];
    enterprise.verification = vec![
        Method::MicroDeposit,
        Method::ThreeFactor,
        Method::FourFactor,
        Method::Face,
    ];
    enterprise.operator_verification = vec![Method::ThreeFactor, Method::FourFactor, Method::Face];
    enterprise.legal_rep_authorisation = true;
    enterprise.business = personal.business.clone();
    for (code, name, settings, kind, profile) in [
        (
            "zfgjj-personal-cloud",
            "个人云证书",
            personal,
            SubjectKind::Personal,
            "personal",
        ),
        (
            "zfgjj-org-cloud",
            "单位云证书",
            enterprise,
            SubjectKind::Enterprise,
            "enterprise",
        ),
    ] {
        save_product(
            platform,
            &channel,
            &ProductInput {
                code: code.into(),
                name: name.into(),
                subject_kind: kind,
                ca: "ecc".into(),
                profile: profile.into(),
                settings: ProductSettings {
                    name_en: english_name(code),
                    ..settings
                },
                active: true,
            },
            actor,
        )
        .await?;
        codes.push(code.to_owned());
    }

    // 003: the USB-key product at 300.00 CNY a year, buy / renew / unlock, PIN of 1–8 digits.
    let ukey = save_project(
        platform,
        &ProjectInput {
            code: "ukey".into(),
            name: "Signet UKEY 数字证书".into(),
            initial: "S".into(),
            kind: ProjectKind::Project,
            help: Help {
                landing_title: "UKEY 数字证书：购买、更新、解锁".into(),
                introduction: "300.00 元/年，材料单个文件不超过 8 MB。".into(),
                notices: vec!["USB Key 用户 PIN 码为 1–8 位数字。".into()],
                manual_url: "/manuals/ukey.pdf".into(),
                client_download_url: "/help/signet-agent".into(),
                faq: faq(),
                service_phone: "400-000-0003".into(),
                service_email: "ukey@signet.example".into(),
                service_hours: "工作日 9:00–18:00".into(),
                english: HelpEnglish {
                    name: "Signet UKEY certificates".into(),
                    landing_title: "UKEY certificates: buy, renew, unlock".into(),
                    introduction: "CNY 300.00 a year; each material file up to 8 MB.".into(),
                    notices: vec!["The USB key's user PIN is 1–8 digits.".into()],
                    service_hours: "Working days 9:00–18:00".into(),
                },
            },
        },
        actor,
    )
    .await?;
    let mut key = settings(Medium::UsbKey, 30_000, false);
    key.materials = vec![
        material("business_licence", "营业执照", true, 8 * MB),
        material("authorisation_letter", "授权书", false, 8 * MB),
    ];
    key.verification = vec![
        Method::MicroDeposit,
        Method::ThreeFactor,
        Method::FourFactor,
        Method::Face,
    ];
    key.operator_verification = vec![Method::ThreeFactor, Method::FourFactor, Method::Face];
    key.business = vec![
        Business::New,
        Business::Renewal,
        Business::Unlock,
        Business::Change,
        Business::Reissue,
    ];
    key.pin_min = 1;
    key.pin_max = 8;
    save_product(
        platform,
        &ukey,
        &ProductInput {
            code: "ukey-org".into(),
            name: "机构 UKEY 数字证书".into(),
            subject_kind: SubjectKind::Enterprise,
            ca: "ecc".into(),
            profile: "enterprise".into(),
            settings: ProductSettings {
                name_en: english_name("ukey-org"),
                ..key
            },
            active: true,
        },
        actor,
    )
    .await?;
    codes.push("ukey-org".to_owned());
    codes.extend([
        "econtract-org-cloud".to_owned(),
        "econtract-org-ukey".to_owned(),
        ADMIN_CLAIM.to_owned(),
    ]);
    Ok(codes)
}

/// The e-contract platform's project (seed 004 §2.2.3): enterprises certify through it with a
/// cloud certificate (free, "申请云证书的全过程免费"; reviewed first) or a USB key (paid first);
/// the platform's settings choose which one enterprises get. Paperless checks: corporate
/// micro-deposit, legal-rep phone three-factor, legal-rep bank card; the operator is checked too,
/// the legal rep confirms with an authorisation code, the applicant signs by SMS.
const ECONTRACT: &str = "econtract";

async fn seed_econtract(platform: &Platform) -> Result<(), CoreError> {
    let actor = "system:demo";
    let project = save_project(
        platform,
        &ProjectInput {
            code: ECONTRACT.into(),
            name: "豫云签电子合同平台（企业认证）".into(),
            initial: "Y".into(),
            kind: ProjectKind::Project,
            help: Help {
                landing_title: "电子合同平台 · 企业认证".into(),
                introduction: "在电子合同平台认证企业：在线核验、确认订单、授权码验证、上传材料、签名确认，审核通过后签发企业证书。".into(),
                notices: vec!["企业证书类型（云证书或 USB Key）由平台统一配置。".into()],
                manual_url: "/manuals/econtract.pdf".into(),
                client_download_url: "/help/signet-agent".into(),
                faq: faq(),
                service_phone: "400-000-0004".into(),
                service_email: "econtract@signet.example".into(),
                service_hours: "工作日 9:00–17:30".into(),
                english: HelpEnglish {
                    name: "Yunqian e-contract platform (enterprise certification)".into(),
                    landing_title: "E-contract platform · enterprise certification".into(),
                    introduction: "Certify your enterprise for e-contracts: online checks, order confirmation, the legal representative's authorisation code, materials and an SMS-signed application; the enterprise certificate is issued after review.".into(),
                    notices: vec!["The platform decides whether enterprises get a cloud certificate or a USB key.".into()],
                    service_hours: "Working days 9:00–17:30".into(),
                },
            },
        },
        actor,
    )
    .await?;
    let mut cloud = settings(Medium::Cloud, 0, true);
    cloud.terms = vec![1];
    cloud.materials = vec![
        material(
            "authorisation_letter",
            "法人授权委托书（加盖公章）",
            false,
            2 * MB,
        ),
        material("business_licence", "营业执照副本（加盖公章）", true, 2 * MB),
        material("id_front", "经办人身份证人像面", false, 2 * MB),
        material("id_back", "经办人身份证国徽面", false, 2 * MB),
    ];
    cloud.verification = vec![
        Method::MicroDeposit,
        Method::ThreeFactor,
        Method::FourFactor,
    ];
    cloud.operator_verification = vec![Method::ThreeFactor, Method::FourFactor, Method::Face];
    cloud.legal_rep_authorisation = true;
    cloud.invoice = InvoiceTiming::None;
    cloud.business = vec![Business::New, Business::Renewal];
    let mut ukey = cloud.clone();
    ukey.medium = Medium::UsbKey;
    ukey.token_model = "SoftHSM2 (演示 USB Key)".into();
    ukey.unit_price_fen = 30_000;
    ukey.review_first = false;
    ukey.invoice = InvoiceTiming::AfterShipment;
    for (code, name, settings) in [
        ("econtract-org-cloud", "电子合同企业云证书（免费）", cloud),
        ("econtract-org-ukey", "电子合同企业 USB Key 证书", ukey),
    ] {
        save_product(
            platform,
            &project,
            &ProductInput {
                code: code.into(),
                name: name.into(),
                subject_kind: SubjectKind::Enterprise,
                ca: "ecc".into(),
                profile: "enterprise".into(),
                settings: ProductSettings {
                    name_en: english_name(code),
                    ..settings
                },
                active: true,
            },
            actor,
        )
        .await?;
    }
    seed_admin_claim(platform, &project).await
}

/// The e-contract project's "管理员申领" product (ADR 0013): a member claims the administrator
/// role of a certified enterprise. The order names the enterprise; the legal representative is
/// checked by phone three-factor or bank-card four-factor, and either handles the claim himself
/// or authorises an operator by a letter with the official seal (the operator is checked too);
/// an SMS-signed application; staff review; free; no certificate is issued.
pub const ADMIN_CLAIM: &str = "econtract-admin-claim";

async fn seed_admin_claim(platform: &Platform, project_id: &str) -> Result<(), CoreError> {
    let mut claim = settings(Medium::Cloud, 0, true);
    claim.terms = vec![1];
    claim.materials = vec![material(
        "authorisation_letter",
        "企业授权书（授权经办人申领管理员，加盖公章）",
        true,
        2 * MB,
    )];
    claim.verification = vec![Method::ThreeFactor, Method::FourFactor];
    claim.operator_verification = vec![Method::ThreeFactor, Method::FourFactor, Method::Face];
    claim.invoice = InvoiceTiming::None;
    claim.issues_certificate = false;
    save_product(
        platform,
        project_id,
        &ProductInput {
            code: ADMIN_CLAIM.into(),
            name: "管理员申领".into(),
            subject_kind: SubjectKind::Enterprise,
            ca: "ecc".into(),
            profile: "enterprise".into(),
            settings: ProductSettings {
                name_en: english_name(ADMIN_CLAIM),
                ..claim
            },
            active: true,
        },
        "system:demo",
    )
    .await?;
    Ok(())
}
