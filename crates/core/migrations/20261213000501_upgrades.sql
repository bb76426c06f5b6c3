-- One-time data upgrades run at start-up (e.g. `sealed-v2`: every sealed value re-sealed bound to
-- its row). A row here means the upgrade finished; its absence makes the next start run it.
CREATE TABLE platform_upgrades (
    name TEXT PRIMARY KEY,
    done_at BIGINT NOT NULL
);
