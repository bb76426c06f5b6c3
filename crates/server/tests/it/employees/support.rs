//! An enterprise fixture until enterprise certification lands: a certified enterprise and its
//! administrator inserted directly, a signed-in client for the administrator, and helpers that
//! read the SMS links and fill the phone form.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use signet_core::platform::clock::Clock as _;
use signet_core::platform::crypto::SealedAt;
use sqlx::Row as _;

use crate::support::{TestApp, app, phone};

/// A valid unified social credit code from a number (GB 32100 check character).
pub fn credit_code(n: u32) -> String {
    let first17 = format!("91350100M{n:08}");
    let check = signet_pki::ids::credit_check_character(&first17).unwrap();
    format!("{first17}{}", char::from(check))
}

/// A valid ID number (GB 11643 check digit) from a sequence number.
pub fn id_number(n: u32) -> String {
    let first17 = format!("11010519900101{n:03}");
    let check = signet_pki::ids::id_check_digit(&first17).unwrap();
    format!("{first17}{}", char::from(check))
}

/// The same number with a wrong check character.
pub fn bad_id_number(n: u32) -> String {
    let good = id_number(n);
    let last = if good.ends_with('1') { '2' } else { '1' };
    format!("{}{last}", &good[..17])
}

pub struct Ent {
    pub app: TestApp,
    pub id: String,
    pub admin_id: String,
}

/// Inserts a certified enterprise with `admin_id` as its administrator.
pub async fn insert_enterprise(app: &TestApp, admin_id: &str, n: u32, name: &str) -> String {
    let platform = &app.platform;
    let id = format!("ent-{n}-{}", &platform.random.token().unwrap()[..8]);
    let now = platform.clock.now();
    let sealed = platform
        .cipher
        .seal(
            SealedAt::new("ec_enterprises", "legal_rep_name_sealed", &id),
            "王法人",
        )
        .unwrap();
    sqlx::query(
        "INSERT INTO ec_enterprises (id, name, credit_code, legal_rep_name_sealed, legal_rep_name_masked, \
           state, applicant_user_id, medium, certified_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, '王*', 'certified', $5, 'cloud', $6, $6, $6)",
    )
    .bind(&id)
    .bind(name)
    .bind(credit_code(n))
    .bind(sealed)
    .bind(admin_id)
    .bind(now)
    .execute(platform.db.pool())
    .await
    .unwrap();
    add_member(app, &id, admin_id, "admin").await;
    id
}

/// Makes `user_id` an active member of the enterprise with `role`.
pub async fn add_member(app: &TestApp, enterprise_id: &str, user_id: &str, role: &str) {
    let now = app.platform.clock.now();
    sqlx::query(
        "INSERT INTO ec_members (enterprise_id, user_id, role, state, created_at, updated_at) \
         VALUES ($1, $2, $3, 'active', $4, $4)",
    )
    .bind(enterprise_id)
    .bind(user_id)
    .bind(role)
    .bind(now)
    .execute(app.platform.db.pool())
    .await
    .unwrap();
}

impl Ent {
    /// A server, an administrator signed in, and the certified enterprise.
    pub async fn start() -> Self {
        let mut app = app().start().await;
        let user = app.register(&phone(70_000_001), "entadmin").await;
        let admin_id = user["id"].as_str().unwrap().to_owned();
        let id = insert_enterprise(&app, &admin_id, 1, "豫云示范科技有限公司").await;
        Self { app, id, admin_id }
    }

    /// Another person signed in on the same server, with `role` in this enterprise (or none).
    pub async fn person(&self, tail: u32, login: &str, role: Option<&str>) -> (TestApp, String) {
        let mut other = self.app.clone_signed_out().await;
        let user = other.register(&phone(tail), login).await;
        let user_id = user["id"].as_str().unwrap().to_owned();
        if let Some(role) = role {
            add_member(&self.app, &self.id, &user_id, role).await;
        }
        (other, user_id)
    }

    pub fn path(&self, rest: &str) -> String {
        format!("/api/v1/enterprises/{}{rest}", self.id)
    }

    pub async fn department(&self, name: &str, parent: Option<&str>) -> String {
        let response = self
            .app
            .post(
                &self.path("/departments"),
                json!({"name": name, "parent_id": parent}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    pub async fn onboard(
        &self,
        name: &str,
        phone: &str,
        department: Option<&str>,
    ) -> reqwest::Response {
        self.app
            .post(
                &self.path("/employees"),
                json!({"name": name, "phone": phone, "department_id": department}),
            )
            .await
    }

    pub async fn onboarded(&self, name: &str, phone: &str, department: Option<&str>) -> String {
        let response = self.onboard(name, phone, department).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    pub async fn upload(&self, bytes: Vec<u8>) -> reqwest::Response {
        upload_as(&self.app, &self.path("/employees/import"), bytes).await
    }

    pub async fn list(&self, query: &str) -> Value {
        let response = self
            .app
            .get(&self.path(&format!("/employees?{query}")))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    pub async fn employee_count(&self) -> i64 {
        sqlx::query("SELECT COUNT(*) AS n FROM ec_employees WHERE enterprise_id = $1")
            .bind(&self.id)
            .fetch_one(self.app.platform.db.pool())
            .await
            .unwrap()
            .try_get("n")
            .unwrap()
    }
}

pub async fn upload_as(app: &TestApp, path: &str, bytes: Vec<u8>) -> reqwest::Response {
    let part = Part::bytes(bytes).file_name("employees.xlsx");
    app.client
        .post(app.url(path))
        .header("x-csrf-token", &app.csrf)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

/// Every SMS the sandbox received for `phone` (the inbox runs due jobs first).
pub async fn messages(app: &TestApp, phone: &str) -> Vec<String> {
    let list: Vec<Value> = app
        .get(&format!("/dev/inbox?to={phone}"))
        .await
        .json()
        .await
        .unwrap();
    list.iter()
        .map(|m| m["body"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The token of the newest form link sent to `phone`.
pub async fn form_token(app: &TestApp, phone: &str) -> String {
    let all = messages(app, phone).await;
    all.iter()
        .find_map(|body| {
            let at = body.find("/m/employee/")?;
            Some(body[at + 12..at + 12 + 64].to_owned())
        })
        .unwrap_or_else(|| panic!("no form link for {phone}: {all:?}"))
}

/// Fills the phone form behind `token` with valid values (an anonymous client, as a phone is).
pub async fn fill_form(app: &TestApp, token: &str, id_number: &str) -> reqwest::Response {
    let phone = app.clone_signed_out().await;
    let page = phone.get(&format!("/api/v1/employee-forms/{token}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page: Value = page.json().await.unwrap();
    let mut values = serde_json::Map::new();
    for field in page["fields"].as_array().unwrap() {
        let code = field["code"].as_str().unwrap();
        let value = match code {
            "name" => page["name"].as_str().unwrap().to_owned(),
            "phone" => continue,
            "id_number" => id_number.to_owned(),
            "gender" => "female".to_owned(),
            "hire_date" => "2026-12-01".to_owned(),
            "department" => match page["department_id"].as_str() {
                Some(id) => id.to_owned(),
                None => continue,
            },
            "position" => "会计".to_owned(),
            "bank_card" => "4111111111111111".to_owned(),
            "bank_name" => "中国银行郑州分行".to_owned(),
            other => panic!("unexpected field {other}"),
        };
        values.insert(code.to_owned(), Value::String(value));
    }
    phone
        .post(
            &format!("/api/v1/employee-forms/{token}"),
            json!({"values": values}),
        )
        .await
}

/// An `.xlsx` with these rows on the first sheet (row 1 first).
pub fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
    workbook_with(rows, |_| {})
}

pub fn workbook_with(
    rows: &[Vec<String>],
    extra: impl FnOnce(&mut rust_xlsxwriter::Worksheet),
) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in (0u32..).zip(rows) {
        for (c, cell) in (0u16..).zip(row) {
            if !cell.is_empty() {
                sheet.write_string(r, c, cell).unwrap();
            }
        }
    }
    extra(sheet);
    book.save_to_buffer().unwrap()
}

pub fn header() -> Vec<String> {
    ["姓名", "手机号", "身份证号", "部门"]
        .map(str::to_owned)
        .to_vec()
}

pub fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}
