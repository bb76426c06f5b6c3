//! The directory's department tree: add, rename, move without cycles, delete only when empty.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::support::{Ent, fill_form, form_token, id_number};
use crate::support::problem;

#[tokio::test]
async fn the_tree_is_edited_and_never_gets_a_cycle() {
    let ent = Ent::start().await;
    let hq = ent.department("总部", None).await;
    let finance = ent.department("财务部", Some(&hq)).await;
    let audit = ent.department("审计组", Some(&finance)).await;
    // Moves under itself or a descendant are refused; nothing changes.
    for parent in [&hq, &finance, &audit] {
        let response = ent
            .app
            .put(
                &ent.path(&format!("/departments/{hq}/parent")),
                json!({"parent_id": parent}),
            )
            .await;
        problem(response, StatusCode::CONFLICT, "department_cycle").await;
    }
    // A legal move, and back to the top.
    let moved: Value = ent
        .app
        .put(
            &ent.path(&format!("/departments/{audit}/parent")),
            json!({"parent_id": hq}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["parent_id"], json!(hq));
    let top = ent
        .app
        .put(
            &ent.path(&format!("/departments/{audit}/parent")),
            json!({"parent_id": null}),
        )
        .await;
    assert_eq!(top.status(), StatusCode::OK);
    // Rename; a sibling's name is taken; a blank one is refused.
    let renamed: Value = ent
        .app
        .put(
            &ent.path(&format!("/departments/{finance}")),
            json!({"name": "计划财务部"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["name"], "计划财务部");
    problem(
        ent.app
            .post(
                &ent.path("/departments"),
                json!({"name": "计划财务部", "parent_id": hq}),
            )
            .await,
        StatusCode::CONFLICT,
        "department_name_taken",
    )
    .await;
    problem(
        ent.app
            .put(
                &ent.path(&format!("/departments/{finance}")),
                json!({"name": "\u{3000}"}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    let tree: Vec<Value> = ent
        .app
        .get(&ent.path("/departments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tree.len(), 3);
    assert_eq!(
        tree.iter().find(|d| d["id"] == json!(finance)).unwrap()["parent_id"],
        json!(hq)
    );

    // Delete: not while it has a sub-department or someone onboarding or on the roster in it.
    problem(
        ent.app
            .send(
                Method::DELETE,
                &ent.path(&format!("/departments/{hq}")),
                None,
            )
            .await,
        StatusCode::CONFLICT,
        "department_not_empty",
    )
    .await;
    let id = ent.onboarded("张三", "13800000901", Some(&finance)).await;
    let token = form_token(&ent.app, "13800000901").await;
    assert_eq!(
        fill_form(&ent.app, &token, &id_number(91)).await.status(),
        StatusCode::OK
    );
    ent.app
        .post(&ent.path(&format!("/employees/{id}/approve")), json!({}))
        .await;
    problem(
        ent.app
            .send(
                Method::DELETE,
                &ent.path(&format!("/departments/{finance}")),
                None,
            )
            .await,
        StatusCode::CONFLICT,
        "department_not_empty",
    )
    .await;
    let tree: Vec<Value> = ent
        .app
        .get(&ent.path("/departments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        tree.iter().find(|d| d["id"] == json!(finance)).unwrap()["employees"],
        1
    );
    // Once the employee left, the department can go (the resigned row keeps no department).
    ent.app
        .post(
            &ent.path(&format!("/employees/{id}/resign")),
            json!({"date": "2027-01-31"}),
        )
        .await;
    let gone = ent
        .app
        .send(
            Method::DELETE,
            &ent.path(&format!("/departments/{finance}")),
            None,
        )
        .await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let empty = ent
        .app
        .send(
            Method::DELETE,
            &ent.path(&format!("/departments/{hq}")),
            None,
        )
        .await;
    assert_eq!(empty.status(), StatusCode::NO_CONTENT);
    let tree: Vec<Value> = ent
        .app
        .get(&ent.path("/departments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tree.len(), 1);
    assert_eq!(
        ent.list("view=resigned").await["items"][0]["department_id"],
        Value::Null
    );
}
