//! The people of an archive (§2.5.2.1.3: 个人用户必须是在员工花名册中的用户): each named by name and
//! ID number, and each must be on the archiving enterprise's roster under that number with that
//! name. The roster is read once per archive or batch.

use std::collections::HashMap;

use super::{MAX_PERSONS, PersonInput};
use crate::Platform;
use crate::contracts::employees::roster;
use crate::contracts::templates::values::{clean, half_width};
use crate::error::CoreError;

/// A person found on the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub id_number: String,
    pub employee_id: String,
}

/// Why a person was refused: the column (`姓名` or `身份证号`) and the words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub column: &'static str,
    pub zh: String,
    pub en: String,
}

fn refused(column: &'static str, zh: String, en: String) -> Refused {
    Refused { column, zh, en }
}

/// The enterprise's roster, to check people against.
pub struct Roster {
    by_index: HashMap<String, (String, String)>,
}

impl Roster {
    pub async fn load(platform: &Platform, enterprise_id: &str) -> Result<Self, CoreError> {
        Ok(Self {
            by_index: roster::by_id_number(platform, enterprise_id).await?,
        })
    }

    /// The person, if their ID number is valid and on the roster under the same name.
    pub fn check(&self, platform: &Platform, input: &PersonInput) -> Result<Person, Refused> {
        let name = clean(&input.name);
        if name.is_empty() {
            return Err(refused(
                "姓名",
                "请填写签约人姓名".into(),
                "Enter the person's name".into(),
            ));
        }
        let compact: String = half_width(&input.id_number)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let id_number = signet_pki::ids::IdNumber::parse(&compact)
            .map_err(|_| {
                refused(
                    "身份证号",
                    "身份证号码不正确（应为 18 位，校验码须符合 GB 11643）".into(),
                    "Not a valid ID number (18 characters with a GB 11643 check character)".into(),
                )
            })?
            .as_str()
            .to_owned();
        let index = roster::id_number_index(platform, &id_number);
        match self.by_index.get(&index) {
            None => Err(refused(
                "身份证号",
                format!("{name} 不在本企业的员工花名册中，请先办理入职后再归档"),
                format!("{name} is not on the enterprise's roster; onboard them before archiving"),
            )),
            Some((_, on_roster)) if *on_roster != name => Err(refused(
                "姓名",
                format!("姓名与员工花名册不一致（花名册中该身份证号的姓名为 {on_roster}）"),
                "The name differs from the roster's for this ID number".into(),
            )),
            Some((employee_id, _)) => Ok(Person {
                name,
                id_number,
                employee_id: employee_id.clone(),
            }),
        }
    }

    /// Every person of a single archive, or the first refusal (numbered from 1).
    pub fn check_all(
        &self,
        platform: &Platform,
        inputs: &[PersonInput],
    ) -> Result<Vec<Person>, (usize, Refused)> {
        if inputs.is_empty() || inputs.len() > MAX_PERSONS {
            return Err((
                0,
                refused(
                    "姓名",
                    format!("请填写 1 到 {MAX_PERSONS} 名个人签约方"),
                    format!("Name 1 to {MAX_PERSONS} people"),
                ),
            ));
        }
        let mut people: Vec<Person> = Vec::with_capacity(inputs.len());
        for (n, input) in inputs.iter().enumerate() {
            let person = self.check(platform, input).map_err(|r| (n + 1, r))?;
            if people.iter().any(|p| p.id_number == person.id_number) {
                return Err((
                    n + 1,
                    refused(
                        "身份证号",
                        "同一人不能重复列为签约方".into(),
                        "The same person is listed twice".into(),
                    ),
                ));
            }
            people.push(person);
        }
        Ok(people)
    }
}
