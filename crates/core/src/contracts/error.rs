//! The e-contract wing's refusals, each with a stable code and Chinese and English wording.
//! Nothing was changed when one of these is returned. Each part of the wing keeps its variants
//! in its own section (enterprises, members, seals, employees), so parts grow without touching
//! each other's lines.

use crate::error::{CoreError, Description, ErrorKind};

#[derive(Debug, thiserror::Error)]
pub enum ContractsError {
    // -- shared --
    #[error("real-name authentication required")]
    RealNameRequired,
    #[error("enterprise not certified")]
    NotCertified,
    #[error("role {0} required")]
    RoleRequired(&'static str),
    // -- enterprises --
    // -- members --
    // -- seals --
    #[error("seal disabled or void")]
    SealUnusable,
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
}

impl From<ContractsError> for CoreError {
    fn from(error: ContractsError) -> Self {
        Self::Contracts(error)
    }
}

impl ContractsError {
    /// The prefix of this wing's codes in problem `type`s (`contracts.real_name_required`).
    pub const WING: &'static str = "contracts";

    #[expect(
        clippy::too_many_lines,
        reason = "one table of every error's wording reads best in one place"
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
                format!("需要企业{}权限", super::access::Role::parse(role).map_or("管理员", super::access::Role::name_zh)),
                format!("This needs the enterprise {role} role"),
            ),
            // -- enterprises --
            // -- members --
            // -- seals --
            Self::SealUnusable => d(
                K::Conflict,
                "seal_unusable",
                Some("seal_id"),
                "该印章已停用或作废，不能授权或使用".into(),
                "This seal is disabled or void; it cannot be granted or used".into(),
            ),
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
            Self::DepartmentNameTaken => d(
                K::Conflict,
                "department_name_taken",
                Some("name"),
                "同一上级下已有同名部门".into(),
                "A department of this name already exists at this level".into(),
            ),
        }
    }
}
