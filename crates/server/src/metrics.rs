//! Prometheus metrics: one recorder per process, request counts and latencies by route class.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .as_ref()
}

pub async fn track(request: Request, next: Next) -> Response {
    // Touch the recorder so it exists before the first metric.
    let _ = handle();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("signet_http_requests_total", &labels).increment(1);
    metrics::histogram!("signet_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The platform's counts in the Prometheus text format: gauges, one family each.
pub fn platform_counts(d: &signet_core::contracts::dashboard::Dashboard) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let mut family = |name: &str, help: &str, samples: &[(&str, i64)]| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    family(
        "signet_contracts",
        "Contract tasks by state.",
        &[
            ("{state=\"all\"}", d.contracts_launched),
            ("{state=\"completed\"}", d.contracts_completed),
            ("{state=\"void\"}", d.contracts_void),
        ],
    );
    let today = d.days.last();
    family(
        "signet_contracts_today",
        "Contract tasks launched, completed and voided today (China time).",
        &[
            ("{event=\"launched\"}", today.map_or(0, |t| t.launched)),
            ("{event=\"completed\"}", today.map_or(0, |t| t.completed)),
            ("{event=\"void\"}", today.map_or(0, |t| t.void)),
        ],
    );
    family(
        "signet_regulator_reports",
        "Regulator reports by state.",
        &[
            ("{state=\"pending\"}", d.reports_pending),
            ("{state=\"reported\"}", d.reports_reported),
            ("{state=\"failed\"}", d.reports_failed),
        ],
    );
    family(
        "signet_jobs_dead",
        "Background jobs in the dead letters.",
        &[("", d.jobs_dead)],
    );
    family(
        "signet_quota_contracts",
        "Contracts of quota sold and granted.",
        &[
            ("{source=\"purchase\"}", d.quota_sold),
            ("{source=\"grant\"}", d.quota_granted),
        ],
    );
    out
}
