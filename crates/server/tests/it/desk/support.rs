//! A desk fixture: a server with CAs and the demo catalog, a signed-in applicant, a staff member,
//! and helpers that walk an order through the wizard.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use signet_core::desk::roles::{self, Role};

use signet_pki::SoftwareKey;

use crate::support::{TestApp, app, phone};

pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89";

/// A valid unified social credit code (GB 32100 check character) from 17 characters.
pub fn credit_code(first17: &str) -> String {
    let check = signet_pki::ids::credit_check_character(first17).unwrap();
    format!("{first17}{}", char::from(check))
}

/// A valid resident ID number (GB 11643 check digit) from 17 digits.
pub fn id_number(first17: &str) -> String {
    let check = signet_pki::ids::id_check_digit(first17).unwrap();
    format!("{first17}{}", char::from(check))
}

pub struct Desk {
    pub app: TestApp,
}

impl Desk {
    /// A server with CAs and the demo catalog; an applicant registered and signed in.
    pub async fn start() -> Self {
        let mut app = app().with_ca().start().await;
        signet_core::desk::demo::seed_catalog(&app.platform)
            .await
            .unwrap();
        app.register(&phone(50_000_001), "applicant").await;
        Self { app }
    }

    pub async fn product_id(&self, code: &str) -> String {
        let catalog: Value = self.app.get("/api/v1/catalog").await.json().await.unwrap();
        catalog
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["products"].as_array().unwrap().iter())
            .find(|p| p["code"] == code)
            .unwrap_or_else(|| panic!("no product {code}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn create(&self, code: &str) -> Value {
        let id = self.product_id(code).await;
        let response = self
            .app
            .post("/api/v1/orders", json!({"product_id": id}))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    pub async fn upload(
        &self,
        order: &str,
        kind: &str,
        bytes: Vec<u8>,
        name: &str,
    ) -> reqwest::Response {
        let form = Form::new()
            .text("kind", kind.to_owned())
            .part("file", Part::bytes(bytes).file_name(name.to_owned()));
        self.app
            .client
            .post(self.app.url(&format!("/api/v1/orders/{order}/materials")))
            .header("x-csrf-token", &self.app.csrf)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn material(&self, order: &str, kind: &str) -> String {
        let response = self.upload(order, kind, PNG.to_vec(), "licence.png").await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    pub async fn save(&self, order: &str, form: &Value) -> reqwest::Response {
        self.app
            .put(&format!("/api/v1/orders/{order}/form"), form.clone())
            .await
    }

    pub async fn detail(&self, order: &str) -> Value {
        self.app
            .get(&format!("/api/v1/orders/{order}"))
            .await
            .json()
            .await
            .unwrap()
    }

    /// A personal cloud-certificate order of the `zfgjj` channel for `phone`, signed, submitted
    /// and through its phone three-factor check: the next step is payment. Its id.
    pub async fn checked_cloud_order(&self, phone: &str) -> String {
        let order = self.create("zfgjj-personal-cloud").await;
        let order_id = order["id"].as_str().unwrap().to_owned();
        let form = personal_form(self, &order, phone).await;
        self.save(&order_id, &form).await;
        self.sign_and_submit(&order_id, &form, false).await;
        start_check(
            self,
            &order_id,
            json!({"party": "person", "method": "three_factor"}),
        )
        .await;
        order_id
    }

    /// Asks for a signing code (the operator's, or the legal representative's) behind a solved
    /// captcha, as the wizard does.
    pub async fn signing_code(&self, order: &str, legal_rep: bool) -> reqwest::Response {
        let (captcha_id, captcha_answer) = self.app.captcha().await;
        self.app
            .post(
                &format!("/api/v1/orders/{order}/signing-code"),
                json!({"legal_rep": legal_rep, "captcha_id": captcha_id, "captcha_answer": captcha_answer}),
            )
            .await
    }

    /// Signs (SMS code to the operator, plus the legal rep's when the product asks) and submits.
    pub async fn sign_and_submit(&self, order: &str, form: &Value, legal_rep: bool) -> Value {
        let person_phone = form["person"]["phone"].as_str().unwrap();
        // Codes to one number are at least 60 s apart.
        self.app.advance_clock(61).await;
        let sent = self.signing_code(order, false).await;
        assert_eq!(
            sent.status(),
            StatusCode::OK,
            "{}",
            sent.text().await.unwrap()
        );
        let code = self.app.inbox_code(person_phone).await;
        let mut body = json!({"agree": true, "sms_code": code});
        if legal_rep {
            let rep_phone = form["organisation"]["legal_rep_phone"].as_str().unwrap();
            let sent = self.signing_code(order, true).await;
            assert_eq!(sent.status(), StatusCode::OK);
            body["legal_rep_code"] = json!(self.app.inbox_code(rep_phone).await);
        }
        let response = self
            .app
            .post(&format!("/api/v1/orders/{order}/submit"), body)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{}",
            response.text().await.unwrap()
        );
        response.json().await.unwrap()
    }

    /// Pays through the sandbox gateway; returns the order detail afterwards.
    pub async fn pay(&self, order: &str) -> Value {
        let payment: Value = self
            .app
            .post(
                &format!("/api/v1/orders/{order}/payments"),
                json!({"channel": "wechat"}),
            )
            .await
            .json()
            .await
            .unwrap();
        assert!(
            payment["code_url"]
                .as_str()
                .unwrap()
                .starts_with("/sandbox/pay/")
        );
        let id = payment["id"].as_str().unwrap();
        let done = self
            .app
            .post(&format!("/dev/payments/{id}"), json!({"result": "paid"}))
            .await;
        assert_eq!(
            done.status(),
            StatusCode::OK,
            "{}",
            done.text().await.unwrap()
        );
        self.detail(order).await
    }

    /// A second, signed-in client holding every staff role.
    pub async fn staff(&self) -> TestApp {
        let mut staff = self.app.clone_signed_out().await;
        let user = staff.register(&phone(50_000_009), "reviewer").await;
        for role in [Role::Reviewer, Role::Producer, Role::ChannelAdmin] {
            roles::grant(
                &self.app.platform,
                user["id"].as_str().unwrap(),
                role,
                "test",
            )
            .await
            .unwrap();
        }
        staff
    }

    /// The staff member made by [`Self::staff`], signed in again on a new client.
    pub async fn staff_login(&self) -> TestApp {
        let mut staff = self.app.clone_signed_out().await;
        let response = staff.login("reviewer", crate::support::PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK);
        staff
    }

    /// Moves the platform clock; sessions may have expired meanwhile, so the applicant signs in
    /// again.
    pub async fn advance(&mut self, seconds: i64) {
        self.app.advance_clock(seconds).await;
        self.app.refresh_session().await;
        let response = self.app.login("applicant", crate::support::PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    /// The order row's version: unchanged after a refusal.
    pub async fn version(&self, order: &str) -> i64 {
        use sqlx::Row as _;
        sqlx::query("SELECT version FROM desk_orders WHERE id = $1")
            .bind(order)
            .fetch_one(self.app.platform.db.pool())
            .await
            .unwrap()
            .try_get("version")
            .unwrap()
    }
}

/// A complete enterprise form for `order`, with the materials it needs uploaded (the
/// authorisation letter too, naming the operator, where the product lists one: 001).
pub async fn enterprise_form(desk: &Desk, order: &Value, quantity: i64) -> Value {
    let id = order["id"].as_str().unwrap();
    let licence = desk.material(id, "business_licence").await;
    let mut materials = json!({ "business_licence": licence });
    if lists_material(desk, id, "authorisation_letter").await {
        materials["authorisation_letter"] = json!(desk.material(id, "authorisation_letter").await);
    }
    json!({
        "term_years": 1,
        "quantity": quantity,
        "organisation": {
            "name": "福州测试科技有限公司",
            "id_number": format!(" {} ", credit_code("91350100M000100Y4")),
            "legal_rep_name": "王法人",
            "legal_rep_id_number": id_number("11010519491231002"),
            "legal_rep_phone": "13700000001"
        },
        "person": {
            "name": "李经办",
            "id_number": id_number("35010219900101123"),
            "phone": "13700000002",
            "email": "operator@example.com",
            "address": "福州市鼓楼区",
            "department": "信息部"
        },
        "invoice": {"wanted": true, "title": "福州测试科技有限公司", "taxpayer_id": "91350100 M000100Y43", "email": "finance@example.com"},
        "shipping": {"name": "李经办", "phone": "13700000002", "address": "福州市鼓楼区软件大道 1 号"},
        "authorisation_grantee": "李经办",
        "materials": materials
    })
}

/// Whether the order's product asks for a material of `kind`.
pub async fn lists_material(desk: &Desk, order: &str, kind: &str) -> bool {
    desk.detail(order).await["product"]["settings"]["materials"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["kind"] == kind)
}

/// A complete one-certificate enterprise form around an uploaded licence (003's USB key).
pub fn enterprise_form_with(licence: &str) -> Value {
    json!({
        "term_years": 1,
        "quantity": 1,
        "organisation": {
            "name": "厦门令牌科技有限公司",
            "id_number": credit_code("91350200M000200Y4"),
            "legal_rep_name": "陈法人",
            "legal_rep_id_number": id_number("11010519491231002"),
            "legal_rep_phone": "13700000011"
        },
        "person": {
            "name": "林经办",
            "id_number": id_number("35010219900101123"),
            "phone": "13700000012",
            "email": "ukey@example.com"
        },
        "shipping": {"name": "林经办", "phone": "13700000012", "address": "厦门市思明区"},
        "materials": {"business_licence": licence}
    })
}

/// A complete personal form.
pub async fn personal_form(desk: &Desk, order: &Value, phone: &str) -> Value {
    let id = order["id"].as_str().unwrap();
    let front = desk.material(id, "id_front").await;
    let back = desk.material(id, "id_back").await;
    json!({
        "term_years": 2,
        "quantity": 1,
        "person": {
            "name": "赵个人",
            "id_number": id_number("44030519850505331"),
            "phone": phone,
            "email": "person@example.com"
        },
        "materials": {"id_front": front, "id_back": back}
    })
}

/// `staff` approves the order; the order's detail as the answer gives it.
pub async fn approve(staff: &TestApp, order_id: &str) -> Value {
    staff
        .post(
            &format!("/api/v1/staff/orders/{order_id}/approve"),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap()
}

/// Starts a check; returns the response.
pub async fn start_check(desk: &Desk, order: &str, body: Value) -> reqwest::Response {
    desk.app
        .post(&format!("/api/v1/orders/{order}/verifications"), body)
        .await
}

/// The micro-deposit amount the sandbox bank showed for `account`, in yuan.
pub async fn deposit_amount(desk: &Desk, account: &str) -> String {
    let fen: i64 = desk.app.inbox_code(account).await.parse().unwrap();
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// A produced and shipped USB-key certificate of the 003 product, its key in software standing
/// in for the token's (the token path itself is tested through `signet token produce`).
pub async fn usb_certificate(
    desk: &Desk,
    staff: &crate::support::TestApp,
    seed: u64,
) -> (SoftwareKey, signet_core::ca::CertificateInfo) {
    let platform = &desk.app.platform;
    let order = desk.create("ukey-org").await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let licence = desk.material(&order_id, "business_licence").await;
    let form = enterprise_form_with(&licence);
    desk.save(&order_id, &form).await;
    desk.sign_and_submit(&order_id, &form, false).await;
    start_check(
        desk,
        &order_id,
        json!({"party": "organisation", "method": "three_factor"}),
    )
    .await;
    start_check(
        desk,
        &order_id,
        json!({"party": "operator", "method": "three_factor"}),
    )
    .await;
    desk.pay(&order_id).await;
    staff
        .post(
            &format!("/api/v1/staff/orders/{order_id}/approve"),
            json!({}),
        )
        .await;
    let (key, csr) = token_request(seed);
    let loaded = signet_core::desk::orders::load(platform, &order_id)
        .await
        .unwrap();
    let cert = signet_core::desk::production::produce_on_token(
        platform,
        &loaded,
        &signet_core::desk::production::TokenProduction {
            csr: &csr,
            token_serial: "TOKEN-1",
            token_model: "test",
            so_pin: Some("1234567890123456"),
            actor: "test",
        },
    )
    .await
    .unwrap();
    let shipped = staff
        .post(
            &format!("/api/v1/staff/orders/{order_id}/ship"),
            json!({"courier": "EMS", "tracking_number": "EMS0001234"}),
        )
        .await;
    assert_eq!(shipped.status(), StatusCode::OK);
    (key, cert)
}

/// A request made by a key standing in for a token's (seeded).
pub fn token_request(seed: u64) -> (SoftwareKey, Vec<u8>) {
    let mut rng: rand::rngs::StdRng = rand::SeedableRng::seed_from_u64(seed);
    let key = SoftwareKey::generate(signet_pki::KeyAlgorithm::EcdsaP256, "", &mut rng).unwrap();
    let csr =
        signet_pki::csr::make_csr(&key, &signet_pki::names::parse_name("CN=t").unwrap()).unwrap();
    (key, csr)
}

/// Opens a business (`renewal`, `reissue`, `unlock`) on a USB-key certificate and takes it
/// through the wizard (licence again), signing, both three-factor checks, payment unless free,
/// and staff approval; returns the approved order.
pub async fn usb_business_approved(
    desk: &Desk,
    staff: &TestApp,
    serial: &str,
    kind: &str,
) -> Value {
    let order: Value = desk
        .app
        .post(
            &format!("/api/v1/certificates/{serial}/orders"),
            json!({ "kind": kind }),
        )
        .await
        .json()
        .await
        .unwrap();
    let order_id = order["id"].as_str().unwrap().to_owned();
    let mut form = order["form"].clone();
    form["materials"] =
        json!({"business_licence": desk.material(&order_id, "business_licence").await});
    assert_eq!(desk.save(&order_id, &form).await.status(), StatusCode::OK);
    desk.sign_and_submit(&order_id, &form, false).await;
    for party in ["organisation", "operator"] {
        start_check(
            desk,
            &order_id,
            json!({"party": party, "method": "three_factor"}),
        )
        .await;
    }
    if order["amount_fen"] != 0 {
        desk.pay(&order_id).await;
    }
    staff
        .post(
            &format!("/api/v1/staff/orders/{order_id}/approve"),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap()
}
