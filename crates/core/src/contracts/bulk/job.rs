//! The bulk launch job: the batch's `valid` rows in chunks of [`CHUNK_ROWS`](super::CHUNK_ROWS).
//! The templates are parsed once per job (one copy per fill thread) and the rows' documents
//! filled on every core; then one transaction per chunk spends the chunk's contracts, writes its
//! tasks (the first parties told through the outbox), moves its rows to `launched` (or `failed`
//! with their errors) and adds to the batch's counters. A row moves only from `valid`, so a rerun
//! after a restart — or a second worker that took the job after a lost lease — continues with
//! the rows not yet launched and never launches one twice.

use async_trait::async_trait;
use sqlx::Row as _;

use super::batch::{self, content_at, from_json, row_key, state, version_values};
use super::rows::{CellError, RowContent, cell_error};
use super::{BulkSpec, CHUNK_ROWS};
use crate::Platform;
use crate::contracts::ContractsError;
use crate::contracts::tasks::PageSize;
use crate::contracts::tasks::events::Origin;
use crate::contracts::tasks::launch::documents::Checked;
use crate::contracts::tasks::launch::templates::{fill_options, page_qr_on, task_spots};
use crate::contracts::tasks::launch::write::{Ready, write_rows};
use crate::contracts::tasks::launch::{LaunchParty, check_title, parties};
use crate::contracts::tasks::quota;
use crate::contracts::templates::{self, PreparedTemplate, TemplateVersion};
use crate::error::{CoreError, PlatformError};
use crate::platform::clock::Clock as _;
use crate::platform::jobs::{Handler, RunningJob};

/// The job kind.
pub const BULK_LAUNCH: &str = "contracts.bulk_launch";

/// The handler of [`BULK_LAUNCH`] jobs.
pub struct BulkLaunch;

#[async_trait]
impl Handler for BulkLaunch {
    async fn run(&self, platform: &Platform, job: &RunningJob) -> Result<(), CoreError> {
        let batch_id = job
            .payload()
            .get("batch_id")
            .and_then(|v| v.as_str())
            .ok_or_else(|| CoreError::internal("bulk launch job without batch_id"))?
            .to_owned();
        run_chunks(platform, &batch_id, CHUNK_ROWS, None, Some(job))
            .await
            .map(|_| ())
    }
}

/// What a job needs of the batch, read once.
struct Plan {
    enterprise_id: String,
    initiator: String,
    spec: BulkSpec,
    total: i64,
    versions: Vec<TemplateVersion>,
    pages: Vec<Vec<PageSize>>,
    planned: Vec<LaunchParty>,
    qr: bool,
}

async fn load(platform: &Platform, batch_id: &str) -> Result<Option<Plan>, CoreError> {
    let row = sqlx::query(
        "SELECT enterprise_id, initiator_id, spec, versions, state, total FROM ec_bulk_batches WHERE id = $1",
    )
    .bind(batch_id)
    .fetch_optional(platform.db.pool())
    .await?
    .ok_or(PlatformError::NotFound)?;
    if row.try_get::<String, _>("state")? != state::LAUNCHING {
        return Ok(None);
    }
    let enterprise_id: String = row.try_get("enterprise_id")?;
    let spec: BulkSpec = from_json(&row.try_get::<String, _>("spec")?)?;
    let ids: Vec<String> = from_json(&row.try_get::<String, _>("versions")?)?;
    let mut versions = Vec::with_capacity(ids.len());
    for id in &ids {
        versions.push(templates::version(platform, id).await?);
    }
    let pages = versions
        .iter()
        .map(|v| {
            v.pages
                .iter()
                .map(|p| PageSize {
                    width: p.width,
                    height: p.height,
                })
                .collect()
        })
        .collect();
    let planned = batch::plan(&spec, &versions, &enterprise_id)?;
    let qr = page_qr_on(platform, &spec.business_type_id, spec.page_qr).await?;
    Ok(Some(Plan {
        enterprise_id,
        initiator: row.try_get("initiator_id")?,
        total: row.try_get("total")?,
        spec,
        versions,
        pages,
        planned,
        qr,
    }))
}

/// Templates parsed once per fill thread.
type Sets = Vec<Vec<PreparedTemplate>>;

async fn prepare(platform: &Platform, versions: &[TemplateVersion]) -> Result<Sets, CoreError> {
    let mut sources = Vec::with_capacity(versions.len());
    for version in versions {
        sources.push((
            platform.blobs.get(&version.pdf_blob).await?,
            version.clone(),
        ));
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 4);
    tokio::task::spawn_blocking(move || {
        (0..threads)
            .map(|_| {
                sources
                    .iter()
                    .map(|(pdf, version)| PreparedTemplate::new(pdf, version))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Sets, _>>()
    })
    .await
    .map_err(|e| CoreError::internal(format!("bulk prepare: {e}")))?
}

/// One row to fill: its task id and the values of each document.
struct ToFill {
    task_id: String,
    values: Vec<templates::Normalised>,
    options: Vec<templates::FillOptions>,
}

/// Fills every row's documents on the sets' threads; the sets come back for the next chunk.
async fn fill_all(
    sets: Sets,
    rows: Vec<ToFill>,
) -> Result<(Sets, Vec<Result<Vec<Vec<u8>>, CoreError>>), CoreError> {
    tokio::task::spawn_blocking(move || {
        let mut sets = sets;
        let per = rows.len().div_ceil(sets.len().max(1)).max(1);
        let mut out: Vec<Result<Vec<Vec<u8>>, CoreError>> = Vec::with_capacity(rows.len());
        std::thread::scope(|scope| {
            let handles: Vec<_> = sets
                .iter_mut()
                .zip(rows.chunks(per))
                .map(|(set, part)| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|row| {
                                set.iter()
                                    .zip(row.values.iter().zip(&row.options))
                                    .map(|(prepared, (values, options))| {
                                        prepared.fill(values, options).map(|f| f.pdf)
                                    })
                                    .collect::<Result<Vec<_>, _>>()
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for handle in handles {
                match handle.join() {
                    Ok(part) => out.extend(part),
                    Err(_) => out.push(Err(CoreError::internal("bulk fill thread panicked"))),
                }
            }
        });
        (sets, out)
    })
    .await
    .map_err(|e| CoreError::internal(format!("bulk fill: {e}")))
}

fn refusal(error: &CoreError) -> Vec<CellError> {
    let described = error.describe();
    vec![cell_error(
        described.field,
        described.code,
        described.zh,
        described.en,
    )]
}

/// Launches the batch's remaining rows, `chunk_rows` per transaction, at most `max_chunks`
/// chunks (all when `None`); returns how many rows were handled. Progress goes to `job` when
/// one runs this.
#[expect(
    clippy::too_many_lines,
    reason = "one chunk from reading its rows to committing them, top to bottom"
)]
pub async fn run_chunks(
    platform: &Platform,
    batch_id: &str,
    chunk_rows: usize,
    max_chunks: Option<usize>,
    job: Option<&RunningJob>,
) -> Result<usize, CoreError> {
    let Some(plan) = load(platform, batch_id).await? else {
        return Ok(0);
    };
    let mut sets = prepare(platform, &plan.versions).await?;
    let origin = Origin {
        ip: None,
        user_agent: Some(format!("bulk launch {batch_id}")),
    };
    let mut handled = 0;
    let mut chunks = 0;
    loop {
        if max_chunks.is_some_and(|m| chunks >= m) {
            return Ok(handled);
        }
        let rows = sqlx::query(
            "SELECT row_no, content FROM ec_bulk_rows WHERE batch_id = $1 AND state = 'valid' \
             ORDER BY row_no LIMIT $2",
        )
        .bind(batch_id)
        .bind(i64::try_from(chunk_rows.max(1)).unwrap_or(1))
        .fetch_all(platform.db.pool())
        .await?;
        if rows.is_empty() {
            sqlx::query(
                "UPDATE ec_bulk_batches SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
            )
            .bind(state::DONE)
            .bind(platform.clock.now())
            .bind(batch_id)
            .bind(state::LAUNCHING)
            .execute(platform.db.pool())
            .await?;
            return Ok(handled);
        }
        let now = platform.clock.now();
        let mut numbers = Vec::with_capacity(rows.len());
        let mut contents = Vec::with_capacity(rows.len());
        let mut to_fill = Vec::with_capacity(rows.len());
        for row in &rows {
            let number: i64 = row.try_get("row_no")?;
            let key = row_key(batch_id, number);
            let content: RowContent = from_json(
                &platform
                    .cipher
                    .open(content_at(&key), &row.try_get::<String, _>("content")?)?,
            )?;
            let task_id = uuid::Uuid::new_v4().to_string();
            to_fill.push(ToFill {
                values: plan
                    .versions
                    .iter()
                    .map(|v| version_values(v, &content))
                    .collect(),
                options: (0..plan.versions.len())
                    .map(|position| fill_options(platform, plan.qr, &task_id, position))
                    .collect(),
                task_id,
            });
            numbers.push(number);
            contents.push(content);
        }
        let task_ids: Vec<String> = to_fill.iter().map(|r| r.task_id.clone()).collect();
        let (back, filled) = fill_all(sets, to_fill).await?;
        sets = back;
        // Each row: its task ready to write, or why it failed.
        let mut outcomes: Vec<Result<Ready, Vec<CellError>>> = Vec::with_capacity(rows.len());
        for ((content, task_id), pdfs) in contents.iter().zip(&task_ids).zip(filled) {
            let input = batch::row_input(&plan.spec, &plan.enterprise_id, &plan.planned, content);
            let title = match check_title(&input.title, input.deadline, now) {
                Ok(title) => title,
                Err(e) => {
                    outcomes.push(Err(refusal(&e)));
                    continue;
                }
            };
            let resolved = match parties::resolve_parties(platform, &input).await {
                Ok(resolved) => resolved,
                Err(e) => {
                    outcomes.push(Err(refusal(&e)));
                    continue;
                }
            };
            let pdfs = match pdfs {
                Ok(pdfs) => pdfs,
                Err(e) => {
                    outcomes.push(Err(refusal(&e)));
                    continue;
                }
            };
            let mut blobs = Vec::with_capacity(pdfs.len());
            let mut documents = Vec::with_capacity(pdfs.len());
            for ((pdf, version), pages) in pdfs.into_iter().zip(&plan.versions).zip(&plan.pages) {
                blobs.push(platform.blobs.put(&pdf).await?);
                documents.push(Checked {
                    name: version.name.clone(),
                    template_version_id: Some(version.id.clone()),
                    pdf,
                    pages: pages.clone(),
                    spots: task_spots(version),
                    values: version_values(version, content).values,
                });
            }
            outcomes.push(Ok(Ready {
                task_id: task_id.clone(),
                enterprise_id: plan.enterprise_id.clone(),
                business_type_id: plan.spec.business_type_id.clone(),
                title,
                confidential: plan.spec.confidential,
                deadline: plan.spec.deadline,
                order: plan.spec.order,
                parties: resolved,
                cc: std::collections::BTreeSet::new(),
                documents,
                blobs,
            }));
        }
        let spending: Vec<String> = outcomes
            .iter()
            .filter_map(|o| o.as_ref().ok().map(|r| r.task_id.clone()))
            .collect();
        let mut tx = platform.db.begin().await?;
        if let Err(e) = quota::spend_each(
            platform,
            &mut tx,
            &plan.enterprise_id,
            &spending,
            &plan.initiator,
            now,
        )
        .await
        {
            if !matches!(
                e.as_wing::<ContractsError>(),
                Some(ContractsError::QuotaShort { .. })
            ) {
                return Err(e);
            }
            // The quota ran short since the launch began: these rows fail, named.
            let errors = refusal(&e);
            for outcome in &mut outcomes {
                if outcome.is_ok() {
                    *outcome = Err(errors.clone());
                }
            }
        }
        let (mut launched, mut failed) = (0_i64, 0_i64);
        for (number, outcome) in numbers.iter().zip(&outcomes) {
            let moved = match outcome {
                Ok(ready) => {
                    write_rows(platform, &mut tx, &plan.initiator, ready, &origin, now).await?;
                    launched += 1;
                    sqlx::query(
                        "UPDATE ec_bulk_rows SET state = 'launched', task_id = $1 \
                         WHERE batch_id = $2 AND row_no = $3 AND state = 'valid'",
                    )
                    .bind(&ready.task_id)
                    .bind(batch_id)
                    .bind(number)
                    .execute(&mut *tx)
                    .await?
                }
                Err(errors) => {
                    failed += 1;
                    sqlx::query(
                        "UPDATE ec_bulk_rows SET state = 'failed', errors = $1 \
                         WHERE batch_id = $2 AND row_no = $3 AND state = 'valid'",
                    )
                    .bind(
                        serde_json::to_string(errors)
                            .map_err(|e| CoreError::internal(format!("bulk json: {e}")))?,
                    )
                    .bind(batch_id)
                    .bind(number)
                    .execute(&mut *tx)
                    .await?
                }
            };
            if moved.rows_affected() != 1 {
                // Another run moved this row first: drop the whole chunk.
                return Err(CoreError::internal(format!(
                    "bulk launch {batch_id}: row {number} was handled by another run"
                )));
            }
        }
        let counters = sqlx::query(
            "UPDATE ec_bulk_batches SET launched = launched + $1, failed = failed + $2, updated_at = $3 \
             WHERE id = $4 RETURNING launched, failed",
        )
        .bind(launched)
        .bind(failed)
        .bind(now)
        .bind(batch_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        let done =
            counters.try_get::<i64, _>("launched")? + counters.try_get::<i64, _>("failed")?;
        if let Some(job) = job {
            job.progress(platform, done, plan.total).await?;
        }
        handled += rows.len();
        chunks += 1;
    }
}
