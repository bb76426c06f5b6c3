//! Bad workbooks for a bulk launch (issue 15, "Bad input: Excel"): each refused with a clear
//! error and no batch written — not a spreadsheet, a wrong or reordered header, no rows, more
//! than 10,000 rows — and merged cells refused row by row.

use reqwest::StatusCode;
use serde_json::Value;

use super::bulk_support::{
    Cell, HEADER, bulk_world, count, good_row, header, spec, upload_rows, workbook,
};
use super::tasks_support::id_number;
use super::templates::body;
use crate::support::problem;

async fn batches(b: &super::bulk_support::Bulk) -> i64 {
    count(
        &b.w.admin,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ec_bulk_batches WHERE enterprise_id = $1",
        &b.w.enterprise_id,
    )
    .await
}

#[tokio::test]
async fn bad_workbooks_are_refused_and_nothing_is_written() {
    let b = bulk_world().await;
    let app = &b.w.admin;
    let spec = spec(&b.labour, &b.template);
    let zhang_id = id_number(7_401);
    let good = good_row("张三", &zhang_id, &b.zhang.phone);

    // Not a spreadsheet: a PDF, and text named .xlsx.
    for file in [super::templates::PDF2.to_vec(), b"name,phone\n".to_vec()] {
        problem(
            upload_rows(app, &b.w.enterprise_id, &spec, file).await,
            StatusCode::BAD_REQUEST,
            "import_not_excel",
        )
        .await;
    }
    // A damaged zip.
    let mut damaged = workbook(&[header(), good.clone()], |_| {});
    damaged.truncate(damaged.len() / 2);
    problem(
        upload_rows(app, &b.w.enterprise_id, &spec, damaged).await,
        StatusCode::BAD_REQUEST,
        "import_not_excel",
    )
    .await;

    // A column missing, and two columns swapped.
    let mut missing = header();
    missing.pop();
    let mut short_row = good.clone();
    short_row.pop();
    let refused = problem(
        upload_rows(
            app,
            &b.w.enterprise_id,
            &spec,
            workbook(&[missing, short_row], |_| {}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "import_header",
    )
    .await;
    assert!(
        refused["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains(&HEADER.join(" | ")),
        "{refused}"
    );
    let mut swapped = header();
    swapped.swap(0, 1);
    problem(
        upload_rows(
            app,
            &b.w.enterprise_id,
            &spec,
            workbook(&[swapped, good.clone()], |_| {}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "import_header",
    )
    .await;

    // The header alone (blank rows only under it).
    problem(
        upload_rows(
            app,
            &b.w.enterprise_id,
            &spec,
            workbook(
                &[header(), vec![Cell::Blank; 7], vec![Cell::Text("\u{3000}")]],
                |_| {},
            ),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bulk_empty",
    )
    .await;

    // 10,001 rows when the limit is 10,000.
    let mut many = vec![header()];
    many.extend(std::iter::repeat_n(good.clone(), 10_001));
    let refused = problem(
        upload_rows(app, &b.w.enterprise_id, &spec, workbook(&many, |_| {})).await,
        StatusCode::BAD_REQUEST,
        "import_too_many_rows",
    )
    .await;
    assert!(
        refused["message"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("10000"),
        "{refused}"
    );

    // A spec naming a role the template does not have.
    let mut bad_spec = spec.clone();
    bad_spec["parties"][0]["role"] = "C".into();
    problem(
        upload_rows(
            app,
            &b.w.enterprise_id,
            &bad_spec,
            workbook(&[header(), good.clone()], |_| {}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bulk_party",
    )
    .await;

    assert_eq!(batches(&b).await, 0, "no batch written");
}

#[tokio::test]
async fn merged_cells_are_refused_by_row_and_the_other_rows_pass() {
    let b = bulk_world().await;
    let app = &b.w.admin;
    let zhang_id = id_number(7_401);
    let li_id = id_number(7_402);
    let file = workbook(
        &[
            header(),
            good_row("张三", &zhang_id, &b.zhang.phone),
            good_row("李四", &li_id, &b.li.phone),
            good_row("李四", &li_id, &b.li.phone),
        ],
        |sheet| {
            sheet
                .merge_range(2, 2, 3, 2, "软件工程师", &rust_xlsxwriter::Format::new())
                .unwrap();
        },
    );
    let view: Value = body(
        upload_rows(app, &b.w.enterprise_id, &spec(&b.labour, &b.template), file).await,
        StatusCode::CREATED,
    )
    .await;
    let rows = view["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{view}");
    assert_eq!(rows[0]["ok"], true, "{view}");
    for row in &rows[1..] {
        assert_eq!(row["ok"], false, "{view}");
        assert_eq!(row["errors"][0]["code"], "merged_cells", "{view}");
        assert!(row["errors"][0]["column"].is_null());
    }
    assert_eq!(rows[1]["row"], 3);
    assert_eq!(rows[2]["row"], 4);
    assert_eq!(batches(&b).await, 1);
}
