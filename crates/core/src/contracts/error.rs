//! The e-contract wing's refusals, each with a stable code and Chinese and English wording.
//! Nothing was changed when one of these is returned. Each part of the wing keeps its variants
//! in its own section (enterprises, members, seals, employees), so parts grow without touching
//! each other's lines.

use crate::error::{CoreError, Description, ErrorKind, WingError};

#[derive(Debug, thiserror::Error)]
pub enum ContractsError {
    // -- shared --
    #[error("real-name authentication required")]
    RealNameRequired,
    #[error("enterprise not certified")]
    NotCertified,
    #[error("role {0} required")]
    RoleRequired(&'static str),
    // -- phone --
    #[error("handwriting capture link expired")]
    CaptureExpired,
    #[error("handwriting capture link already used")]
    CaptureUsed,
    #[error("handwriting is not a PNG")]
    HandwritingNotPng,
    #[error("handwriting PNG not transparent")]
    HandwritingNotTransparent,
    #[error("handwriting is empty")]
    HandwritingEmpty,
    // -- enterprises --
    #[error("consent to the current texts required")]
    ConsentRequired,
    #[error("already real-named")]
    AlreadyRealNamed,
    #[error("ID number belongs to another account")]
    IdNumberTaken,
    #[error("too many real-name checks")]
    RealNameTries,
    #[error("invalid credit code")]
    CreditCodeInvalid,
    #[error("credit code certified or being certified by someone else")]
    CreditCodeTaken,
    #[error("a certification of this enterprise is open")]
    CertificationOpen,
    #[error("withdraw refused: {0}")]
    WithdrawRefused(&'static str),
    #[error("enterprise state {0} does not allow this")]
    EnterpriseState(String),
    // -- members --
    #[error("already a member of the enterprise")]
    AlreadyMember,
    #[error("a join request is already pending")]
    JoinPending,
    #[error("the join request is not pending")]
    RequestNotPending,
    #[error("the business type is switched off")]
    BusinessTypeInactive,
    #[error("a business type of that name exists")]
    BusinessTypeTaken,
    #[error("someone must take over the member's contracts")]
    TakeoverRequired,
    #[error("the administrator cannot be removed or leave")]
    AdminStays,
    #[error("cannot act on oneself here")]
    NotOneself,
    #[error("the claimant is not the legal representative")]
    NotLegalRep,
    #[error("an administrator claim of this enterprise is open")]
    ClaimOpen,
    #[error("the administrator claim is {0}")]
    ClaimClosed(String),
    #[error("administrator claims are desk orders now")]
    AdminClaimMoved,
    // -- seals --
    #[error("seal disabled or void")]
    SealUnusable,
    #[error("seal image is not a PNG")]
    SealImageNotPng,
    #[error("seal image has no transparent background")]
    SealImageNotTransparent,
    #[error("seal image is empty")]
    SealImageEmpty,
    #[error("seal image larger than {max_side} pixels")]
    SealImageTooBig { max_side: u32 },
    #[error("a seal of this type exists")]
    SealExists,
    #[error("seal state does not allow this")]
    SealState { state: String },
    #[error("enterprise has no certificate")]
    SealNoCertificate,
    #[error("seal text cannot be drawn")]
    SealText { what: String },
    // -- employees --
    #[error("employee already onboarded ({0})")]
    EmployeeDuplicate(&'static str),
    #[error("employee is {state}; cannot {action}")]
    EmployeeState { action: &'static str, state: String },
    #[error("employee form link expired or used")]
    EmployeeLinkExpired,
    #[error("not an Excel workbook")]
    ImportNotExcel,
    #[error("wrong header")]
    ImportHeader(String),
    #[error("more than {0} rows")]
    ImportTooManyRows(usize),
    #[error("no rows")]
    ImportEmpty,
    #[error("{0} rows refused")]
    ImportRows(usize),
    #[error("department move makes a cycle")]
    DepartmentCycle,
    #[error("department not empty")]
    DepartmentNotEmpty,
    #[error("department name taken")]
    DepartmentNameTaken,
    // -- tasks (signing) --
    #[error("contract quota short by {missing}")]
    QuotaShort { missing: i64 },
    #[error("not this party's turn")]
    NotYourTurn,
    #[error("already signed")]
    AlreadySigned,
    #[error("task is {0}")]
    TaskClosed(String),
    #[error("refusal not allowed for this party")]
    RefuseNotAllowed,
    #[error("reminded within the hour")]
    RemindTooSoon { retry_after: i64 },
    #[error("seal not granted")]
    SealNotGranted,
    #[error("handwriting required")]
    HandwritingRequired,
    #[error("document refused: {en}")]
    TaskDocument { zh: String, en: String },
    #[error("party refused: {en}")]
    TaskParty { zh: String, en: String },
    #[error("riding seal refused at {field}: {en}")]
    RidingSeal {
        field: &'static str,
        zh: String,
        en: String,
    },
    #[error("no party of the caller's to sign")]
    NothingToSign,
    #[error("evidence package not ready (task completed: {completed})")]
    EvidenceNotReady { completed: bool },
    /// The public page a page QR code opens: no such task, document or page.
    #[error("no such page of a contract")]
    PageNotFound,
    /// The public page's image cannot be rendered on this server (no poppler `pdftoppm`, or it
    /// failed or timed out).
    #[error("page image unavailable")]
    PageImageUnavailable,
    /// A batch signature's list of tasks: empty, too long, a task twice, or mixed identities.
    #[error("batch sign list refused: {en}")]
    BatchSignTasks { zh: String, en: String },
    /// A task of a batch signature that is not the caller's to sign now: the single
    /// signature's refusal, naming the task.
    #[error("batch sign refused at task {task_id}: {en}")]
    BatchSignTask {
        task_id: String,
        kind: ErrorKind,
        code: &'static str,
        zh: String,
        en: String,
    },
    // -- templates --
    #[error("template file refused: {0:?}")]
    TemplateFile(super::templates::FileProblem),
    #[error("template layout refused at {}", .0.at)]
    TemplateLayout(super::templates::LayoutError),
    #[error("template incomplete")]
    TemplateIncomplete {
        missing_fields: Vec<String>,
        missing_roles: Vec<&'static str>,
    },
    #[error("template has no published version")]
    TemplateNotPublished,
    #[error("template field exists")]
    TemplateFieldTaken,
    #[error("{} template values refused", .0.len())]
    TemplateValues(Vec<super::templates::FieldError>),
    // -- bulk launch --
    #[error("no data rows")]
    BulkEmpty,
    #[error("{count} rows refused")]
    BulkInvalidRows { count: i64 },
    #[error("bulk launch is {0}")]
    BulkState(String),
    #[error("row has errors")]
    BulkRowInvalid,
    #[error("bulk party refused: {en}")]
    BulkParty { zh: String, en: String },
    // -- billing --
    #[error("billing input refused: {en}")]
    BillingInput {
        field: &'static str,
        zh: String,
        en: String,
    },
    #[error("package not on sale")]
    PackageNotOnSale,
    #[error("payment channel {0} not available")]
    ChannelUnavailable(String),
    #[error("notification replayed or purchase already settled")]
    NotificationReplayed,
    #[error("paid amount does not match the purchase")]
    PaymentMismatch,
    #[error("invoice of {asked} fen over the invoiceable {invoiceable} fen")]
    InvoiceOverAmount { asked: i64, invoiceable: i64 },
    #[error("invoice already issued")]
    InvoiceIssued,
    // -- verification and evidence --
    #[error("not a PDF")]
    VerifyNotPdf,
    #[error("PDF cannot be read: {0}")]
    VerifyUnreadable(String),
    #[error("an evidence package needs events")]
    EvidenceNoEvents,
    // -- regulator reports --
    #[error("only a failed report can be resent")]
    ReportNotFailed,
    // -- archives --
    #[error("archive input refused: {en}")]
    ArchiveInput {
        field: &'static str,
        zh: String,
        en: String,
    },
    #[error("archive PDF refused: {0:?}")]
    ArchiveScan(super::archives::scan::ScanProblem),
    #[error("archive upload is not a zip")]
    ArchiveNotZip,
    #[error("archive package has {count} errors")]
    ArchivePackage { count: usize },
    #[error("archive already void")]
    ArchiveVoid,
    // -- frequent contacts --
    #[error("at most {max} frequent contacts")]
    ContactsFull { max: usize },
    #[error("the member may launch under no business type")]
    LaunchNotAllowed,
}

impl From<ContractsError> for CoreError {
    fn from(error: ContractsError) -> Self {
        Self::wing_error(error)
    }
}

impl WingError for ContractsError {
    fn wing(&self) -> &'static str {
        Self::WING
    }

    fn describe(&self) -> Description {
        ContractsError::describe(self)
    }
}

impl ContractsError {
    /// The prefix of this wing's codes in problem `type`s (`contracts.real_name_required`).
    pub const WING: &'static str = "contracts";

    #[expect(
        clippy::too_many_lines,
        reason = "one arm per refusal, in the sections each part of the wing owns"
    )]
    pub fn describe(&self) -> Description {
        use ErrorKind as K;
        let d = |kind, code, field: Option<&'static str>, zh: String, en: String| Description {
            kind,
            code,
            field,
            zh,
            en,
            retry_after: None,
        };
        match self {
            // -- shared --
            Self::RealNameRequired => d(
                K::Forbidden,
                "real_name_required",
                None,
                "请先完成实名认证".into(),
                "Please complete real-name authentication first".into(),
            ),
            Self::NotCertified => d(
                K::Conflict,
                "enterprise_not_certified",
                Some("enterprise_id"),
                "该企业尚未完成认证".into(),
                "This enterprise is not certified".into(),
            ),
            Self::RoleRequired(role) => d(
                K::Forbidden,
                "role_required",
                None,
                format!(
                    "需要企业{}权限",
                    super::access::Role::parse(role).map_or("管理员", super::access::Role::name_zh)
                ),
                format!("This needs the enterprise {role} role"),
            ),
            // -- phone --
            Self::CaptureExpired => d(
                K::Conflict,
                "capture_expired",
                None,
                "手写签名采集链接已过期，请在电脑上重新生成二维码".into(),
                "This handwriting link has expired; make a new QR code on the computer".into(),
            ),
            Self::CaptureUsed => d(
                K::Conflict,
                "capture_used",
                None,
                "手写签名已提交，该链接已失效".into(),
                "The handwriting was already submitted; this link no longer works".into(),
            ),
            Self::HandwritingNotPng => d(
                K::BadInput,
                "handwriting_not_png",
                Some("image"),
                "手写签名须为 PNG 图片".into(),
                "The handwriting must be a PNG image".into(),
            ),
            Self::HandwritingNotTransparent => d(
                K::BadInput,
                "handwriting_not_transparent",
                Some("image"),
                "手写签名须为透明背景的 PNG 图片".into(),
                "The handwriting must be a PNG with a transparent background".into(),
            ),
            Self::HandwritingEmpty => d(
                K::BadInput,
                "handwriting_empty",
                Some("image"),
                "请先书写签名再提交".into(),
                "Please write your signature before submitting".into(),
            ),
            // -- enterprises --
            Self::ConsentRequired => d(
                K::BadInput,
                "consent_required",
                Some("consents"),
                "请先阅读并同意《个人信息保护政策》和《个人生物识别信息保护声明》的当前版本".into(),
                "Please read and accept the current privacy policy and biometric notice first".into(),
            ),
            Self::AlreadyRealNamed => d(
                K::Conflict,
                "already_real_named",
                None,
                "您已完成实名认证".into(),
                "You have already completed real-name authentication".into(),
            ),
            Self::IdNumberTaken => d(
                K::Conflict,
                "id_number_taken",
                Some("id_number"),
                "该证件号已由其他账号完成实名认证，一个证件号只能认证一个账号".into(),
                "This ID number is real-named on another account; one ID number, one account".into(),
            ),
            Self::RealNameTries => d(
                K::TooMany,
                "real_name_tries",
                None,
                "今日实名核验次数已达上限，请明天再试".into(),
                "Too many real-name checks today; please try again tomorrow".into(),
            ),
            Self::CreditCodeInvalid => d(
                K::BadInput,
                "credit_code_invalid",
                Some("credit_code"),
                "统一社会信用代码不正确（18 位，校验码须符合 GB 32100-2015）".into(),
                "The unified social credit code is not valid (18 characters with a GB 32100-2015 check character)".into(),
            ),
            Self::CreditCodeTaken => d(
                K::Conflict,
                "credit_code_taken",
                Some("credit_code"),
                "该企业已由他人认证或正在认证中".into(),
                "This enterprise is certified, or being certified, by someone else".into(),
            ),
            Self::CertificationOpen => d(
                K::Conflict,
                "certification_open",
                Some("credit_code"),
                "您已在认证该企业，请在“我的企业”中继续认证".into(),
                "You are already certifying this enterprise; continue it under My enterprises".into(),
            ),
            Self::WithdrawRefused(why) => d(
                K::Conflict,
                "withdraw_refused",
                None,
                format!(
                    "申请{}，不能撤销",
                    if *why == "paid" { "已支付" } else { "已审核通过" }
                ),
                format!("The application was already {why}; it cannot be withdrawn"),
            ),
            Self::EnterpriseState(state) => d(
                K::Conflict,
                "enterprise_state",
                None,
                format!("企业当前状态（{}）不允许此操作", super::enterprises::state_label(state)),
                format!("The enterprise's state ({state}) does not allow this"),
            ),
            // -- members --
            Self::AlreadyMember
            | Self::JoinPending
            | Self::RequestNotPending
            | Self::BusinessTypeInactive
            | Self::BusinessTypeTaken
            | Self::TakeoverRequired
            | Self::AdminStays
            | Self::NotOneself
            | Self::NotLegalRep
            | Self::ClaimOpen
            | Self::ClaimClosed(_)
            | Self::AdminClaimMoved => super::members::errors::describe(self),
            // -- seals --
            Self::SealUnusable
            | Self::SealImageNotPng
            | Self::SealImageNotTransparent
            | Self::SealImageEmpty
            | Self::SealImageTooBig { .. }
            | Self::SealExists
            | Self::SealState { .. }
            | Self::SealNoCertificate
            | Self::SealText { .. } => super::seals::errors::describe(self),
            // -- employees --
            Self::EmployeeDuplicate(field) => d(
                K::Conflict,
                "employee_duplicate",
                Some(*field),
                if *field == "id_number" {
                    "该身份证号已在本企业员工名单中".into()
                } else {
                    "该手机号已在本企业员工名单中".into()
                },
                if *field == "id_number" {
                    "This ID number is already on the enterprise's employee list".into()
                } else {
                    "This mobile number is already on the enterprise's employee list".into()
                },
            ),
            Self::EmployeeState { action, state } => d(
                K::Conflict,
                "employee_state",
                None,
                format!(
                    "员工当前为“{}”状态，不能{}",
                    super::employees::EmployeeState::parse(state)
                        .map_or("未知", super::employees::EmployeeState::name_zh),
                    super::employees::action_zh(action)
                ),
                format!("The employee is {state}; they cannot be {action}"),
            ),
            Self::EmployeeLinkExpired => d(
                K::BadInput,
                "employee_link_expired",
                None,
                "链接已失效或已使用，请联系企业管理员重新发送".into(),
                "This link has expired or was already used; ask the enterprise administrator to send a new one".into(),
            ),
            Self::ImportNotExcel => d(
                K::BadInput,
                "import_not_excel",
                Some("file"),
                "文件不是有效的 Excel 工作簿（.xlsx），请使用下载的模板填写".into(),
                "The file is not a valid Excel workbook (.xlsx); fill in the downloaded template".into(),
            ),
            Self::ImportHeader(expected) => d(
                K::BadInput,
                "import_header",
                Some("file"),
                format!("表头不正确，第 1 行应为：{expected}"),
                format!("The header is wrong; row 1 must be: {expected}"),
            ),
            Self::ImportTooManyRows(limit) => d(
                K::BadInput,
                "import_too_many_rows",
                Some("file"),
                format!("一次最多导入 {limit} 行，请拆分文件后再上传"),
                format!("At most {limit} rows can be imported at once; split the file"),
            ),
            Self::ImportEmpty => d(
                K::BadInput,
                "import_empty",
                Some("file"),
                "文件中没有员工数据".into(),
                "The file holds no employee rows".into(),
            ),
            Self::ImportRows(count) => d(
                K::BadInput,
                "import_rows",
                Some("file"),
                format!("有 {count} 处错误，未导入任何员工；请按错误列表修改后重新上传"),
                format!("{count} errors; no employee was imported. Correct the rows listed and upload again"),
            ),
            Self::DepartmentCycle => d(
                K::Conflict,
                "department_cycle",
                Some("parent_id"),
                "不能把部门移动到它自己或它的下级部门之下".into(),
                "A department cannot move under itself or one of its sub-departments".into(),
            ),
            Self::DepartmentNotEmpty => d(
                K::Conflict,
                "department_not_empty",
                None,
                "部门下还有下级部门或员工，不能删除".into(),
                "The department still has sub-departments or people; it cannot be deleted".into(),
            ),
            // -- tasks --
            Self::QuotaShort { .. }
            | Self::NotYourTurn
            | Self::AlreadySigned
            | Self::TaskClosed(_)
            | Self::RefuseNotAllowed
            | Self::RemindTooSoon { .. }
            | Self::SealNotGranted
            | Self::HandwritingRequired
            | Self::TaskDocument { .. }
            | Self::TaskParty { .. }
            | Self::RidingSeal { .. }
            | Self::NothingToSign
            | Self::EvidenceNotReady { .. }
            | Self::PageNotFound
            | Self::PageImageUnavailable
            | Self::BatchSignTasks { .. }
            | Self::BatchSignTask { .. } => super::tasks::errors::describe(self),
            Self::DepartmentNameTaken => d(
                K::Conflict,
                "department_name_taken",
                Some("name"),
                "同一上级下已有同名部门".into(),
                "A department of this name already exists at this level".into(),
            ),
            // -- frequent contacts --
            Self::ContactsFull { .. } | Self::LaunchNotAllowed => super::contacts::describe(self),
            // -- templates --
            Self::TemplateFile(_)
            | Self::TemplateLayout(_)
            | Self::TemplateIncomplete { .. }
            | Self::TemplateNotPublished
            | Self::TemplateFieldTaken
            | Self::TemplateValues(_) => super::templates::errors::describe(self),
            // -- bulk launch --
            Self::BulkEmpty
            | Self::BulkInvalidRows { .. }
            | Self::BulkState(_)
            | Self::BulkRowInvalid
            | Self::BulkParty { .. } => super::bulk::errors::describe(self),
            // -- billing --
            Self::BillingInput { .. }
            | Self::PackageNotOnSale
            | Self::ChannelUnavailable(_)
            | Self::NotificationReplayed
            | Self::PaymentMismatch
            | Self::InvoiceOverAmount { .. }
            | Self::InvoiceIssued => super::billing::errors::describe(self),
            Self::VerifyNotPdf => d(
                K::BadInput,
                "verify_not_pdf",
                Some("file"),
                "该文件不是 PDF 文件，只能验证 PDF 格式的签署文件".into(),
                "This file is not a PDF; only signed PDF files can be verified".into(),
            ),
            Self::VerifyUnreadable(_) => d(
                K::BadInput,
                "verify_unreadable",
                Some("file"),
                "该 PDF 文件已损坏或格式无法识别，无法验证".into(),
                "This PDF is damaged or malformed and cannot be verified".into(),
            ),
            Self::EvidenceNoEvents => d(
                K::BadInput,
                "evidence_no_events",
                Some("events"),
                "证据包至少需要一条事件记录".into(),
                "An evidence package needs at least one event".into(),
            ),
            // -- archives --
            Self::ArchiveInput { .. }
            | Self::ArchiveScan(_)
            | Self::ArchiveNotZip
            | Self::ArchivePackage { .. }
            | Self::ArchiveVoid => super::archives::errors::describe(self),
            Self::ReportNotFailed => d(
                K::Conflict,
                "report_not_failed",
                None,
                "只有上报失败的记录可以重新上报".into(),
                "Only a failed report can be resent".into(),
            ),
        }
    }
}
