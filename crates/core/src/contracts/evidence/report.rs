//! `evidence.pdf`'s text: the task, the digests that bind the package together, and every
//! event, in Chinese.

use signet_pdf::document::{Block, TextDocument};

use super::chain::EvidenceJson;
use crate::platform::clock::Timestamp;

fn field(label: &str, value: impl Into<String>) -> Block {
    Block::Field {
        label: label.to_owned(),
        value: value.into(),
    }
}

/// `2026-12-07 09:00:00` Beijing time.
pub(super) fn beijing(at: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .map(|t| t.to_offset(time::macros::offset!(+8)))
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]"
            ))
            .ok()
        })
        .unwrap_or_else(|| at.to_string())
}

fn or_dash(value: Option<&String>) -> String {
    value.cloned().unwrap_or_else(|| "—".into())
}

/// The report of `json`, whose canonical file hashes to `json_sha256`.
pub(super) fn document(json: &EvidenceJson, json_sha256: &str) -> TextDocument {
    let mut blocks = vec![
        Block::Heading("基本信息".into()),
        field("任务编号", json.task.task_id.clone()),
        field("任务名称", json.task.task_title.clone()),
        field("文件编号", json.task.document_id.clone()),
        field("文件名称", json.task.document_name.clone()),
        field(
            "报告生成时间",
            format!("{}（北京时间）", beijing(json.generated_at)),
        ),
        field("事件数量", format!("{} 条", json.events.len())),
        Block::Heading("数据摘要（SHA-256）".into()),
        field("签署文件 signed.pdf", json.signed_pdf_sha256.clone()),
        field("证据数据 evidence.json", json_sha256.to_owned()),
        field("哈希链末端", json.head.clone()),
        Block::Heading("事件记录".into()),
    ];
    for entry in &json.events {
        let title = match &entry.detail {
            Some(detail) => format!("第 {} 条：{}（{detail}）", entry.seq, entry.kind.label()),
            None => format!("第 {} 条：{}", entry.seq, entry.kind.label()),
        };
        blocks.push(Block::Paragraph(title));
        blocks.push(field("时间", format!("{}（北京时间）", beijing(entry.at))));
        blocks.push(field("操作人", entry.actor.clone()));
        blocks.push(field("手机号", or_dash(entry.phone.as_ref())));
        blocks.push(field("IP 地址", or_dash(entry.ip.as_ref())));
        blocks.push(field(
            "设备（User-Agent）",
            or_dash(entry.user_agent.as_ref()),
        ));
        if entry.hash_before.is_some() || entry.hash_after.is_some() {
            blocks.push(field("操作前文件摘要", or_dash(entry.hash_before.as_ref())));
            blocks.push(field("操作后文件摘要", or_dash(entry.hash_after.as_ref())));
        }
        blocks.push(field("前一条记录摘要", entry.prev.clone()));
    }
    blocks.push(Block::Heading("说明".into()));
    blocks.push(Block::Paragraph(
        "本报告由平台根据签署过程中记录的事件自动生成，并由平台使用本平台 CA 签发的证书进行电子签名，\
         加盖本平台时间戳服务的可信时间戳。每条事件记录都包含前一条记录的 SHA-256 摘要，形成哈希链，\
         任何一条记录被修改、删除或调换顺序都会使链条断开。证据包中的 evidence.json 与本报告内容一致，\
         其摘要已写入本报告并受签名保护；signed.pdf 的摘要等于最后一条事件记录的“操作后文件摘要”。"
            .into(),
    ));
    blocks.push(Block::Paragraph(
        "离线核验：signet verify --evidence 证据包.zip（可加 --trust 指定平台根证书）。".into(),
    ));
    TextDocument {
        title: format!("电子签署证据报告\n{}", json.task.task_title),
        blocks,
    }
}
