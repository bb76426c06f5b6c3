//! Printable PDFs of the desk: the application form for the offline mail flow (APP-15), the
//! authorisation letter prefilled for download (APP-9) and the e-invoice (APP-11).

use signet_pdf::document::{Block, TextDocument, render};

use super::catalog::{Product, SubjectKind};
use super::orders::Order;
use crate::error::CoreError;
use crate::platform::mask;

fn field(label: &str, value: impl Into<String>) -> Block {
    Block::Field {
        label: label.to_owned(),
        value: value.into(),
    }
}

fn pdf(doc: &TextDocument) -> Result<Vec<u8>, CoreError> {
    render(doc, None).map_err(|e| CoreError::internal(format!("pdf: {e}")))
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02} 元", fen / 100, fen % 100)
}

/// The application form the applicant prints, signs, seals and mails.
pub fn application_form(order: &Order, product: &Product) -> Result<Vec<u8>, CoreError> {
    let form = &order.form;
    let mut blocks = vec![
        field("订单编号", order.number.clone()),
        field("证书产品", product.name.clone()),
        field("有效期", format!("{} 年", form.term_years)),
        field("数量", format!("{} 张", form.quantity)),
        field("金额", yuan(order.amount_fen.get())),
    ];
    if product.subject_kind == SubjectKind::Enterprise
        && let Some(org) = &form.organisation
    {
        blocks.push(Block::Heading("单位信息".into()));
        blocks.push(field("单位名称", org.name.clone()));
        blocks.push(field("统一社会信用代码", org.id_number.clone()));
        blocks.push(field("法定代表人", org.legal_rep_name.clone()));
        blocks.push(field("法定代表人证件号码", org.legal_rep_id_number.clone()));
    }
    if let Some(person) = &form.person {
        blocks.push(Block::Heading(
            if product.subject_kind == SubjectKind::Enterprise {
                "经办人信息"
            } else {
                "申请人信息"
            }
            .into(),
        ));
        blocks.push(field("姓名", person.name.clone()));
        blocks.push(field("身份证号码", person.id_number.clone()));
        blocks.push(field("手机号码", person.phone.clone()));
        blocks.push(field("电子邮箱", person.email.clone()));
    }
    blocks.push(Block::Heading("声明".into()));
    blocks.push(Block::Paragraph(
        "本单位（本人）承诺所填信息及所附材料真实、准确、完整，已阅读并同意《数字证书服务协议》，\
         并承担因信息不实产生的一切法律责任。请将本表签字盖章后，连同申请材料复印件一并邮寄至 CA 受理点。"
            .into(),
    ));
    if product.subject_kind == SubjectKind::Enterprise {
        blocks.push(Block::Signature("法定代表人签字：".into()));
        blocks.push(Block::Signature("单位公章：".into()));
        blocks.push(Block::Signature("经办人签字：".into()));
    } else {
        blocks.push(Block::Signature("申请人签字：".into()));
    }
    blocks.push(Block::Signature("日期：".into()));
    pdf(&TextDocument {
        title: "数字证书申请表".into(),
        blocks,
    })
}

/// The authorisation letter (授权书), prefilled with the organisation and the operator.
pub fn authorisation_letter(order: &Order) -> Result<Vec<u8>, CoreError> {
    let form = &order.form;
    let org = form.organisation.clone().unwrap_or_default();
    let person = form.person.clone().unwrap_or_default();
    let blocks = vec![
        field("授权单位", org.name.clone()),
        field("统一社会信用代码", org.id_number.clone()),
        field("法定代表人", org.legal_rep_name.clone()),
        field("被授权人（经办人）", person.name.clone()),
        field("被授权人身份证号码", person.id_number.clone()),
        Block::Paragraph(format!(
            "兹授权 {} 作为本单位经办人，代表本单位办理数字证书的申请、更新、变更、补办、解锁及注销等业务，\
             由此产生的法律后果由本单位承担。授权期限自签署之日起一年。",
            if person.name.is_empty() {
                "________"
            } else {
                person.name.as_str()
            }
        )),
        Block::Signature("法定代表人签字：".into()),
        Block::Signature("单位公章：".into()),
        Block::Signature("日期：".into()),
    ];
    pdf(&TextDocument {
        title: "数字证书业务授权书".into(),
        blocks,
    })
}

/// The e-invoice.
pub fn invoice(order: &Order, product: &Product, number: &str) -> Result<Vec<u8>, CoreError> {
    let invoice = &order.form.invoice;
    let blocks = vec![
        field("发票号码", number.to_owned()),
        field("订单编号", order.number.clone()),
        Block::Heading("购买方".into()),
        field("名称", invoice.title.clone()),
        field("纳税人识别号", invoice.taxpayer_id.clone()),
        field(
            "地址、电话",
            format!("{} {}", invoice.address, invoice.phone)
                .trim()
                .to_owned(),
        ),
        field(
            "开户行及账号",
            format!("{} {}", invoice.bank, mask::identifier(&invoice.account))
                .trim()
                .to_owned(),
        ),
        Block::Heading("项目".into()),
        field(
            "货物或应税劳务名称",
            format!(
                "*信息技术服务*{}（{} 年 × {} 张）",
                product.name, order.term_years, order.quantity
            ),
        ),
        field("价税合计", yuan(order.amount_fen.get())),
        field("销售方", "Signet 数字证书服务（示例）"),
    ];
    pdf(&TextDocument {
        title: "电子发票（普通发票）".into(),
        blocks,
    })
}
