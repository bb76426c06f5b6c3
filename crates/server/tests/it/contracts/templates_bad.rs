//! Templates' bad input (issue 15): encrypted, corrupt and page-less PDFs, a file that is neither
//! PDF nor Word, a Word file LibreOffice cannot convert, boxes outside their page, spots that do
//! not fit their role, another enterprise's template, a member without rights. Each is a clear
//! refusal that changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::{add_member, count, enterprise, person};
use super::templates::{PDF2, Setup, body, full_layout, setup, upload};
use crate::support::problem;

/// A PDF with `/Encrypt` in its trailer.
pub(crate) fn encrypted() -> Vec<u8> {
    let mut pdf = PDF2.to_vec();
    let at = pdf.windows(7).rposition(|w| w == b"trailer").unwrap();
    let dict = pdf[at..].iter().position(|b| *b == b'<').unwrap() + at + 2;
    pdf.splice(
        dict..dict,
        b" /Encrypt << /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >> "
            .iter()
            .copied(),
    );
    pdf
}

/// A well-formed PDF whose page tree has no pages.
fn no_pages() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [] /Count 0 >>",
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Starts like a .docx (a ZIP naming `word/document.xml`) but is not one.
fn broken_docx() -> Vec<u8> {
    let mut bytes = b"PK\x03\x04\x14\x00\x00\x00\x08\x00word/document.xml".to_vec();
    bytes.extend(std::iter::repeat_n(0xA5, 2000));
    bytes
}

async fn templates(app: &crate::support::TestApp) -> (i64, i64) {
    (
        count(&app.platform, "SELECT COUNT(*) FROM ec_templates", &[]).await,
        count(
            &app.platform,
            "SELECT COUNT(*) FROM ec_template_versions",
            &[],
        )
        .await,
    )
}

#[tokio::test]
async fn unusable_files_are_refused_by_name() {
    let Setup { app, admin, ent } = setup(3201).await;
    let cases: [(Vec<u8>, &str); 5] = [
        (encrypted(), "template_pdf_encrypted"),
        (PDF2[..PDF2.len() / 2].to_vec(), "template_pdf_corrupt"),
        (no_pages(), "template_pdf_empty"),
        (
            b"\x89PNG\r\n\x1a\n not a contract".to_vec(),
            "template_file_kind",
        ),
        (broken_docx(), "template_docx_unconvertible"),
    ];
    for (file, code) in cases {
        let refused = problem(
            upload(&admin, &ent.id, &ent.labour, "坏文件", file).await,
            StatusCode::BAD_REQUEST,
            code,
        )
        .await;
        assert_eq!(refused["field"], "file", "{code}");
        assert!(!refused["message"]["zh-CN"].as_str().unwrap().is_empty());
    }
    assert_eq!(templates(&app).await, (0, 0), "nothing was stored");
}

#[tokio::test]
async fn bad_layouts_are_refused_and_change_nothing() {
    let Setup {
        app: _app,
        admin,
        ent,
    } = setup(3202).await;
    let created = body(
        upload(&admin, &ent.id, &ent.labour, "劳动合同", PDF2.to_vec()).await,
        StatusCode::CREATED,
    )
    .await;
    let tid = created["id"].as_str().unwrap();
    let draft = format!("/api/v1/enterprises/{}/templates/{tid}/draft", ent.id);
    body(admin.put(&draft, full_layout()).await, StatusCode::OK).await;
    let before = body(
        admin
            .get(&format!("/api/v1/enterprises/{}/templates/{tid}", ent.id))
            .await,
        StatusCode::OK,
    )
    .await;

    let mut outside = full_layout();
    outside["fields"][1]["placements"][0]["x"] = json!(500.0); // 500 + 200 > 595
    let mut no_page = full_layout();
    no_page["fields"][0]["placements"][1]["page"] = json!(3);
    let mut spot_outside = full_layout();
    spot_outside["signing"][0]["y"] = json!(800.0);
    let mut wrong_kind = full_layout();
    wrong_kind["signing"][1]["kind"] = json!("company"); // a person role cannot take a company seal
    let mut unknown_role = full_layout();
    unknown_role["fields"][6]["role"] = json!("C");
    let mut twice = full_layout();
    let first = twice["fields"][0].clone();
    twice["fields"].as_array_mut().unwrap().push(first);
    let mut sizes = full_layout();
    sizes["fields"][0]["min_size"] = json!(20.0);
    for (layout, at) in [
        (outside, "fields[1].placements[0]"),
        (no_page, "fields[0].placements[1]"),
        (spot_outside, "signing[0]"),
        (wrong_kind, "signing[1]"),
        (unknown_role, "fields[6]"),
        (twice, "fields[7]"),
        (sizes, "fields[0]"),
    ] {
        let refused = problem(
            admin.put(&draft, layout).await,
            StatusCode::BAD_REQUEST,
            "template_layout",
        )
        .await;
        let message = refused["message"]["en"].as_str().unwrap();
        assert!(message.contains(at), "{at}: {message}");
    }
    let mut unknown_kind = full_layout();
    unknown_kind["signing"][0]["kind"] = json!("stamp");
    let response = admin.put(&draft, unknown_kind).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let after = body(
        admin
            .get(&format!("/api/v1/enterprises/{}/templates/{tid}", ent.id))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn other_enterprises_and_members_without_rights_are_kept_out() {
    let Setup { app, admin, ent } = setup(3203).await;
    let created = body(
        upload(&admin, &ent.id, &ent.labour, "劳动合同", PDF2.to_vec()).await,
        StatusCode::CREATED,
    )
    .await;
    let tid = created["id"].as_str().unwrap().to_owned();
    let vid = created["version"]["id"].as_str().unwrap().to_owned();
    body(
        admin
            .put(
                &format!("/api/v1/enterprises/{}/templates/{tid}/draft", ent.id),
                full_layout(),
            )
            .await,
        StatusCode::OK,
    )
    .await;

    // Another enterprise's administrator, through their own enterprise: 404 everywhere.
    let (other, other_id) = person(&app, 3298, Some("赵六")).await;
    let theirs = enterprise(
        &app.platform,
        &other_id,
        "别家公司",
        "91410100MA00003298",
        "赵六",
        "certified",
    )
    .await;
    let via_theirs = format!("/api/v1/enterprises/{}/templates/{tid}", theirs.id);
    let via_ours = format!("/api/v1/enterprises/{}/templates/{tid}", ent.id);
    for (method, path) in [
        (Method::GET, via_theirs.clone()),
        (Method::PUT, format!("{via_theirs}/draft")),
        (Method::POST, format!("{via_theirs}/publish")),
        (Method::POST, format!("{via_theirs}/preview")),
        (Method::GET, format!("{via_theirs}/versions/{vid}/pdf")),
        (Method::GET, via_ours.clone()),
        (Method::POST, format!("{via_ours}/publish")),
        (Method::GET, format!("{via_ours}/versions/{vid}/pdf")),
    ] {
        let payload = (method == Method::PUT)
            .then(full_layout)
            .or(Some(json!({"values": {}})));
        let response = other.send(method.clone(), &path, payload).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    // Launching from another enterprise's template id is not found either.
    let err = signet_core::contracts::templates::published(&app.platform, &theirs.id, &tid)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_found");

    // A plain member of the enterprise is refused; the template stays a draft.
    let (member, member_id) = person(&app, 3297, Some("李四")).await;
    add_member(&app.platform, &ent.id, &member_id, "member").await;
    for response in [
        member.get(&via_ours).await,
        member
            .get(&format!("/api/v1/enterprises/{}/templates", ent.id))
            .await,
        member.post(&format!("{via_ours}/publish"), json!({})).await,
        upload(&member, &ent.id, &ent.labour, "成员模板", PDF2.to_vec()).await,
    ] {
        problem(response, StatusCode::FORBIDDEN, "role_required").await;
    }
    assert_eq!(
        count(&app.platform, "SELECT COUNT(*) FROM ec_templates", &[]).await,
        1
    );
    let err = signet_core::contracts::templates::published(&app.platform, &ent.id, &tid)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "template_not_published");

    // A delegate may publish.
    let (delegate, delegate_id) = person(&app, 3296, Some("孙七")).await;
    add_member(&app.platform, &ent.id, &delegate_id, "delegate").await;
    body(
        delegate
            .post(&format!("{via_ours}/publish"), json!({}))
            .await,
        StatusCode::OK,
    )
    .await;

    // A business type of another enterprise is not found.
    problem(
        upload(&admin, &ent.id, &theirs.labour, "错类型", PDF2.to_vec()).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}
